#include "support/skip.hpp"

#include <unistd.h>

#include <cstdio>

namespace dmc::test {

void report_skipped(std::string_view reason) {
  std::printf("%s: %.*s\n", DMC_SKIP_MARKER, static_cast<int>(reason.size()), reason.data());
  std::fflush(stdout);
}

bool is_root() { return ::geteuid() == 0; }

}  // namespace dmc::test
