#include "nstar/mounts.hpp"

#include <sstream>

namespace dmc::nstar {
namespace {

bool is_octal(char c) { return c >= '0' && c <= '7'; }

// mountinfo writes space, tab, newline and backslash as \ooo.
std::string unescape(std::string_view field) {
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    bool escape = field[i] == '\\' && i + 3 < field.size() && is_octal(field[i + 1]) &&
                  is_octal(field[i + 2]) && is_octal(field[i + 3]);
    if (escape) {
      out += static_cast<char>((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 +
                               (field[i + 3] - '0'));
      i += 3;
    } else {
      out += field[i];
    }
  }
  return out;
}

bool is_kernel_filesystem(const std::string& type) { return type == "proc" || type == "sysfs"; }

}  // namespace

std::vector<std::string> kernel_mount_points(std::string_view mountinfo) {
  std::vector<std::string> out;
  std::istringstream lines{std::string(mountinfo)};
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::vector<std::string> before;  // the fields before the " - " separator
    std::string field;
    while (fields >> field && field != "-") before.push_back(field);
    std::string type;
    if (field != "-" || before.size() < 5 || !(fields >> type)) continue;
    if (is_kernel_filesystem(type)) out.push_back(unescape(before[4]));
  }
  return out;
}

}  // namespace dmc::nstar
