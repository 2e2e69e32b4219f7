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

}  // namespace dmc::journal
