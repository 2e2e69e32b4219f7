#include "common/duration.hpp"

#include <cctype>
#include <charconv>
#include <cstdint>

namespace dmc {
namespace {

// The milliseconds in one unit of a duration; 0 for an unknown unit.
int64_t unit_ms(std::string_view unit) {
  if (unit == "h") return 3'600'000;
  if (unit == "m") return 60'000;
  if (unit == "s") return 1000;
  if (unit == "ms") return 1;
  return 0;
}

// The length of the run of characters at text[at...] that pass is.
size_t run_of(std::string_view text, size_t at, int (*is)(int)) {
  size_t n = 0;
  while (at + n < text.size() && is(static_cast<unsigned char>(text[at + n]))) ++n;
  return n;
}

}  // namespace

// One or more <digits><unit>; a bare number is seconds.
Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto bad = make_error(ErrorKind::Invalid,
                        "invalid duration '{}': use e.g. 10s, 500ms, 2m or 1h30m", text);
  int64_t total = 0;
  size_t at = 0;
  do {
    size_t digits = run_of(text, at, ::isdigit);
    uint64_t n = 0;
    auto [end, ec] = std::from_chars(text.data() + at, text.data() + at + digits, n);
    if (digits == 0 || ec != std::errc() || n > 1'000'000'000) return bad;
    at += digits;
    size_t letters = run_of(text, at, ::isalpha);
    auto unit = text.substr(at, letters);
    at += letters;
    int64_t per = unit.empty() && at == text.size() && total == 0 ? 1000 : unit_ms(unit);
    if (per == 0) return bad;
    total += static_cast<int64_t>(n) * per;
  } while (at < text.size());
  if (total > int64_t{1'000'000'000} * 1000) return bad;
  return std::chrono::milliseconds(total);
}

}  // namespace dmc
