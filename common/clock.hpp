#pragma once

#include <cstdint>
#include <string>

namespace dmc {

// Wall-clock time in nanoseconds since the epoch.
int64_t now_ns();
// RFC 3339 in UTC with nanoseconds: 2026-11-22T17:55:58.123456789Z
std::string rfc3339(int64_t ns);

}  // namespace dmc
