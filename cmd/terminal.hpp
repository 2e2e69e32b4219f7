// The caller's terminal while a --tty process is attached.
#pragma once

#include <termios.h>

#include <optional>

#include "common/oci.hpp"

namespace dmc::cli {

// The size of the terminal on fd, if it is one.
std::optional<oci::ConsoleSize> terminal_size(int fd);

// Puts a terminal in raw mode (bytes go to the process as typed: ^C is a
// byte for the process's own terminal) and restores it on destruction.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;

 private:
  int fd_;
  std::optional<termios> saved_;
};

}  // namespace dmc::cli
