#include "nstar/archive_error.hpp"

#include <archive.h>

#include <cerrno>
#include <cstring>

namespace dmc::nstar {
namespace {

// libarchive's own error codes on Linux (its archive_platform.h, not
// installed): a bad format, a misuse; "misc" is -1.
constexpr int kFileFormat = EILSEQ;
constexpr int kProgrammer = EINVAL;

}  // namespace

Error archive_failure(std::string_view context, archive* a, ErrorKind otherwise) {
  int err = archive_errno(a);
  const char* text = archive_error_string(a);
  std::string message = fmt::format("{}: {}", context, text ? text : "unknown error");
  // Only a real system error has a useful strerror.
  bool system_error = err > 0 && err != kFileFormat && err != kProgrammer;
  if (system_error && message.find(std::strerror(err)) == std::string::npos) {
    message += fmt::format(": {}", std::strerror(err));
  }
  if (!system_error) return Error{otherwise, std::move(message), 0};
  return Error{sys_error("", err).kind, std::move(message), err};
}

}  // namespace dmc::nstar
