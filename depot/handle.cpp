// Handle validation: a handle becomes a directory name, so it must never be
// able to name anything but one entry of the depot root.
#include <algorithm>

#include "depot/depot.hpp"

namespace dmc::depot {
namespace {

constexpr size_t kShownPrefix = 16;  // characters of a too long handle shown

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_handle_char(char c) { return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-'; }

// The handle as shown in a message: control bytes escaped so the message
// stays one line; other bytes (UTF-8 included) kept.
std::string shown(std::string_view handle) {
  std::string out;
  for (char c : handle) {
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
std::string_view prefix_of(std::string_view handle) {
  size_t cut = std::min(kShownPrefix, handle.size());
  while (cut > 0 && cut < handle.size() && (static_cast<unsigned char>(handle[cut]) & 0xc0) == 0x80) {
    --cut;
  }
  return handle.substr(0, cut);
}

}  // namespace

Result<void> validate_handle(std::string_view handle) {
  if (handle.empty()) return make_error(ErrorKind::Invalid, "invalid handle '': must not be empty");
  if (handle.size() > kMaxHandleLength) {
    return make_error(ErrorKind::Invalid, "invalid handle '{}...': longer than {} characters",
                      shown(prefix_of(handle)), kMaxHandleLength);
  }
  if (!is_ascii_alnum(handle.front()) || !std::ranges::all_of(handle, is_handle_char)) {
    return make_error(ErrorKind::Invalid,
                      "invalid handle '{}': use letters, digits, '_', '.' and '-', "
                      "starting with a letter or digit",
                      shown(handle));
  }
  return {};
}

}  // namespace dmc::depot
