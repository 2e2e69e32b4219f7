// Durations as people type them, for every front door (dmc's flags, dmcd's
// flags and query parameters).
#pragma once

#include <chrono>
#include <string_view>

#include "common/result.hpp"

namespace dmc {

// "10s", "500ms", "2m", "1h30m" (units h, m, s, ms, summed), or a plain
// number of seconds; at most 10^9 seconds. Invalid otherwise.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace dmc
