#include "common/uuid.hpp"

#include <sys/random.h>

#include <array>
#include <cstdint>

namespace dmc {

Result<std::string> uuid_v4() {
  std::array<uint8_t, 16> b;
  if (::getrandom(b.data(), b.size(), 0) != static_cast<ssize_t>(b.size())) {
    return sys_error("getrandom");
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += fmt::format("{:02x}", b[i]);
  }
  return out;
}

}  // namespace dmc
