// Parsing of the values users type on dmc's command line: their syntax only.
// What the values may be (ranges, known names) the containerizer checks.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/duration.hpp"
#include "common/result.hpp"
#include "containerizer/requests.hpp"

namespace dmc::cli {

// "512M", "1g", "256MiB", "1048576": bytes (K, M, G, T are powers of 1024).
Result<uint64_t> parse_size(std::string_view text);
// A positive integer that fits in T's range.
Result<int64_t> parse_count(std::string_view what, std::string_view text, int64_t min,
                            int64_t max);
// KEY=VALUE with a non-empty key.
Result<std::pair<std::string, std::string>> parse_key_value(std::string_view what,
                                                            std::string_view text);
Result<std::map<std::string, std::string>> parse_key_values(
    std::string_view what, const std::vector<std::string>& texts);
// KEY=VALUE properties whose keys containerizer::validate_property_key takes.
Result<std::pair<std::string, std::string>> parse_property(std::string_view text);
Result<std::map<std::string, std::string>> parse_properties(const std::vector<std::string>& texts);
// "TERM", "SIGTERM", "term" or "15".
Result<int> parse_signal(std::string_view text);
using dmc::parse_duration;  // common/duration.hpp

// SRC:DST or SRC:DST:ro or SRC:DST:rw.
Result<containerizer::BindMount> parse_bind_mount(std::string_view text);

// "name=soft[:hard]" (hard = soft when not given); a value is a number or
// "unlimited". The name is kept as given, for the containerizer to check.
Result<containerizer::Rlimit> parse_rlimit(std::string_view text);

// The texts of --memory, --cpu-shares and --pids (nullopt: not given), read,
// then checked against the containerizer's ranges.
struct LimitArgs {
  std::optional<std::string> memory;
  std::optional<std::string> cpu_shares;
  std::optional<std::string> pids;
};
Result<containerizer::Limits> parse_limits(const LimitArgs& args);

}  // namespace dmc::cli
