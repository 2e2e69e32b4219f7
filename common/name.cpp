#include "common/name.hpp"

#include <algorithm>

namespace dmc {
namespace {

constexpr size_t kShownPrefix = 16;  // characters of a too long name shown

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_name_char(char c) { return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-'; }

// The name as shown in a message: control bytes escaped so the message
// stays one line; other bytes (UTF-8 included) kept.
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

// The first kShownPrefix bytes, not cutting a UTF-8 sequence in two.
std::string_view prefix_of(std::string_view name) {
  size_t cut = std::min(kShownPrefix, name.size());
  while (cut > 0 && cut < name.size() && (static_cast<unsigned char>(name[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  return name.substr(0, cut);
}

}  // namespace

Result<void> validate_name(std::string_view what, std::string_view name) {
  if (name.empty()) return make_error(ErrorKind::Invalid, "invalid {} '': must not be empty", what);
  if (name.size() > kMaxNameLength) {
    return make_error(ErrorKind::Invalid, "invalid {} '{}...': longer than {} characters", what,
                      shown(prefix_of(name)), kMaxNameLength);
  }
  if (!is_ascii_alnum(name.front()) || !std::ranges::all_of(name, is_name_char)) {
    return make_error(ErrorKind::Invalid,
                      "invalid {} '{}': use letters, digits, '_', '.' and '-', "
                      "starting with a letter or digit",
                      what, shown(name));
  }
  return {};
}

}  // namespace dmc
