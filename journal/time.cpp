#include "journal/time.hpp"

#include <time.h>

#include <cctype>

#include "common/duration.hpp"

namespace dmc::journal {
namespace {

// Reads `digits` decimal digits at text[at...], advancing at.
bool number(std::string_view text, size_t& at, size_t digits, int& out) {
  if (at + digits > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < digits; ++i, ++at) {
    if (!std::isdigit(static_cast<unsigned char>(text[at]))) return false;
    out = out * 10 + (text[at] - '0');
  }
  return true;
}

bool expect(std::string_view text, size_t& at, std::string_view one_of) {
  if (at >= text.size() || one_of.find(text[at]) == std::string_view::npos) return false;
  ++at;
  return true;
}

bool fraction(std::string_view text, size_t& at, int64_t& ns) {
  ns = 0;
  if (at >= text.size() || text[at] != '.') return true;
  size_t digits = 0;
  for (++at; at < text.size() && std::isdigit(static_cast<unsigned char>(text[at])); ++at) {
    if (++digits > 9) return false;
    ns = ns * 10 + (text[at] - '0');
  }
  for (size_t i = digits; i < 9; ++i) ns *= 10;
  return digits > 0;
}

// Z, or +HH:MM / -HH:MM: seconds east of UTC.
bool offset(std::string_view text, size_t& at, int64_t& seconds) {
  seconds = 0;
  if (expect(text, at, "Zz")) return at == text.size();
  if (at >= text.size()) return false;
  int sign = text[at] == '-' ? -1 : 1;
  int hours = 0, minutes = 0;
  if (!expect(text, at, "+-") || !number(text, at, 2, hours) || !expect(text, at, ":") ||
      !number(text, at, 2, minutes)) {
    return false;
  }
  seconds = sign * (hours * 3600 + minutes * 60);
  return at == text.size() && hours < 24 && minutes < 60;
}

}  // namespace

Result<int64_t> parse_rfc3339(std::string_view text) {
  tm t{};
  size_t at = 0;
  int64_t ns = 0, east = 0;
  bool ok = number(text, at, 4, t.tm_year) && expect(text, at, "-") &&
            number(text, at, 2, t.tm_mon) && expect(text, at, "-") &&
            number(text, at, 2, t.tm_mday) && expect(text, at, "Tt ") &&
            number(text, at, 2, t.tm_hour) && expect(text, at, ":") &&
            number(text, at, 2, t.tm_min) && expect(text, at, ":") &&
            number(text, at, 2, t.tm_sec) && fraction(text, at, ns) && offset(text, at, east);
  ok = ok && t.tm_mon >= 1 && t.tm_mon <= 12 && t.tm_mday >= 1 && t.tm_mday <= 31 &&
       t.tm_hour < 24 && t.tm_min < 60 && t.tm_sec <= 60;
  if (!ok) return make_error(ErrorKind::Invalid, "not an RFC 3339 time: '{}'", text);
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  int64_t seconds = static_cast<int64_t>(::timegm(&t)) - east;
  return seconds * 1'000'000'000 + ns;
}

Result<int64_t> parse_time(std::string_view text, int64_t now_ns) {
  if (auto at = parse_rfc3339(text); at) return *at;
  auto ago = parse_duration(text);
  if (!ago) {
    return make_error(ErrorKind::Invalid,
                      "invalid time '{}': use an RFC 3339 time or a duration like 10m", text);
  }
  return now_ns - std::chrono::duration_cast<std::chrono::nanoseconds>(*ago).count();
}

}  // namespace dmc::journal
