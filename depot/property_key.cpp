// What a property key may be: see validate_property_key in depot.hpp.
#include <string>

#include "depot/depot.hpp"

namespace dmc::depot {
namespace {

bool is_control(char c) {
  auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

// The key as a message shows it: control bytes escaped, so that the
// message stays one line.
std::string shown(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (is_control(c)) out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    else out += c;
  }
  return out;
}

}  // namespace

Result<void> validate_property_key(std::string_view key) {
  if (key.empty()) {
    return make_error(ErrorKind::Invalid, "invalid property key '': must not be empty");
  }
  if (key.find('=') != std::string_view::npos) {
    return make_error(ErrorKind::Invalid, "invalid property key '{}': must not hold '='", key);
  }
  for (char c : key) {
    if (is_control(c)) {
      return make_error(ErrorKind::Invalid,
                        "invalid property key '{}': must not hold a newline or other control "
                        "character", shown(key));
    }
  }
  return {};
}

Result<void> validate_properties(const Properties& props) {
  for (const auto& entry : props) DMC_CHECK(validate_property_key(entry.first));
  return {};
}

}  // namespace dmc::depot
