#include "cmd/terminal.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

namespace dmc::cli {

std::optional<oci::ConsoleSize> terminal_size(int fd) {
  winsize ws{};
  if (!::isatty(fd) || ::ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0) return std::nullopt;
  return oci::ConsoleSize{.height = ws.ws_row, .width = ws.ws_col};
}

RawMode::RawMode(int fd) : fd_(fd) {
  termios t;
  if (!::isatty(fd) || ::tcgetattr(fd, &t) < 0) return;
  saved_ = t;
  ::cfmakeraw(&t);
  ::tcsetattr(fd, TCSANOW, &t);
}

RawMode::~RawMode() {
  if (saved_) ::tcsetattr(fd_, TCSANOW, &*saved_);
}

}  // namespace dmc::cli
