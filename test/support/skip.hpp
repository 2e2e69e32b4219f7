// A test that cannot run here says so to ctest, never passes in silence.
//
// DMC_SKIP("needs root") prints kSkipMarker and the reason on stdout and
// returns from the test. test/CMakeLists.txt sets SKIP_REGULAR_EXPRESSION
// to the marker on every test, so ctest counts the test as "Skipped".
#pragma once

#include <string_view>

namespace dmc::test {

// Prints "DMC-TEST-SKIPPED: <reason>" on stdout, flushed (the marker is
// the one test/CMakeLists.txt gives ctest).
void report_skipped(std::string_view reason);

// Root, which the tests of mounts, cgroups and real runtimes need.
bool is_root();

}  // namespace dmc::test

// Use in a TEST_CASE body (or a function it calls, which must return void).
#define DMC_SKIP(reason)                    \
  do {                                      \
    ::dmc::test::report_skipped(reason);    \
    return;                                 \
  } while (0)

// Skips unless the test runs as root.
#define DMC_SKIP_UNLESS_ROOT()                           \
  do {                                                   \
    if (!::dmc::test::is_root()) DMC_SKIP("needs root"); \
  } while (0)
