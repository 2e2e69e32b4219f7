// The shim's ends of a client's stdio: written and read without ever
// blocking and without changing the client's own file descriptions (setting
// O_NONBLOCK on a passed fd would change the user's terminal or pipe too).
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::process_tracker {

// How a passed fd is used without blocking:
//   Reopened: pipes, FIFOs, ttys and other devices are reopened through
//             /proc/self/fd with O_NONBLOCK, a description of our own;
//   Socket:   send/recv with MSG_DONTWAIT;
//   File:     regular files never block; the client's description (its
//             offset, O_APPEND) is used as it is.
enum class EndKind { Reopened, Socket, File };

class ClientEnd {
 public:
  // Takes a passed fd; `write_end` says which way the data flows.
  static Result<ClientEnd> make(UniqueFd passed, bool write_end);

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] EndKind kind() const { return kind_; }

  // Bytes written, 0 when it would block; an error when the reader is gone.
  Result<size_t> write(const char* data, size_t size) const;
  // From spool at *offset (advanced); 0 when it would block.
  Result<size_t> write_from(int spool, off_t* offset, size_t size, char* scratch,
                            size_t scratch_size) const;
  // Bytes read, 0 at EOF; Unavailable when nothing is there now.
  Result<size_t> read(char* data, size_t size) const;
  // Moves up to size bytes from a pipe straight into this end (splice(2)),
  // never through our memory: bytes moved, 0 at the pipe's EOF; Unavailable
  // when the pipe is empty or this end is full; Invalid when the kernel
  // cannot splice between the two (a tty, an O_APPEND file).
  Result<size_t> splice_from(int pipe, size_t size) const;

 private:
  ClientEnd(UniqueFd fd, EndKind kind) : fd_(std::move(fd)), kind_(kind) {}
  UniqueFd fd_;
  EndKind kind_;
};

}  // namespace dmc::process_tracker
