#include "runrunc/temp_file.hpp"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <utility>

#include "common/fs.hpp"
#include "common/unique_fd.hpp"

namespace dmc::runrunc {
namespace {

Result<void> write_all(int fd, std::string_view content, const std::string& path) {
  while (!content.empty()) {
    ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(path);
    content.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace

Result<TempFile> TempFile::make(const std::string& dir, std::string_view prefix,
                                std::string_view content) {
  DMC_CHECK(make_dirs(dir, 0700));
  std::string path = fmt::format("{}/{}-XXXXXX", dir, prefix);
  UniqueFd fd(::mkostemp(path.data(), O_CLOEXEC));
  if (!fd) return sys_error(fmt::format("{}/{}-XXXXXX", dir, prefix));
  TempFile file(std::move(path));
  DMC_CHECK(write_all(fd.get(), content, file.path()));
  return file;
}

TempFile::TempFile(TempFile&& other) noexcept : path_(std::exchange(other.path_, {})) {}

TempFile::~TempFile() {
  if (!path_.empty()) ::unlink(path_.c_str());
}

}  // namespace dmc::runrunc
