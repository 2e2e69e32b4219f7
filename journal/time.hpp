// Times as `dmc events --since/--until` takes them.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/result.hpp"

namespace dmc::journal {

// RFC 3339: 2026-12-07T18:00:00Z, with or without a fraction of a second
// (up to 9 digits), with Z or an offset (+01:00); ns since the epoch.
// Invalid otherwise.
Result<int64_t> parse_rfc3339(std::string_view text);
// An RFC 3339 time, or a duration before now_ns (common/duration.hpp: 10m,
// 1h30m); ns since the epoch. Invalid, saying both forms, otherwise.
Result<int64_t> parse_time(std::string_view text, int64_t now_ns);

}  // namespace dmc::journal
