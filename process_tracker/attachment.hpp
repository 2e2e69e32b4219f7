// One client of a process's shim (protocol.hpp), made by
// Tracker::open_attachment: the streams it brought get their output, and it
// learns the exit status, without ever blocking its caller. A server polls
// fd() in its event loop; a command line blocks on it. Several attachments
// to one process may be open at once, each with any of the streams.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::process_tracker {

// What an attaching client brings. -1: not attached to that stream. The fds
// are passed on (duplicated): the caller keeps its own copies.
struct StreamFds {
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // EOF on stdin_fd closes the process's stdin (a command line). False (a
  // server): EOF only ends this attachment's stdin, the process's stays open
  // for a later attacher, and only close_stdin() closes it.
  bool stdin_eof_closes = true;
  // Non-zero: with no output fd, reserves the place a new attacher would
  // start at now, in both output streams; with output fds, those streams
  // start at the place reserved under this token, if the shim holds one
  // (else as without a token). See protocol.hpp's Attach.
  uint32_t token = 0;
};

class Attachment {
 public:
  Attachment(Attachment&&) noexcept = default;
  Attachment& operator=(Attachment&&) noexcept = default;
  Attachment(const Attachment&) = delete;
  Attachment& operator=(const Attachment&) = delete;
  ~Attachment() = default;

  // Non-blocking; readable when exit_status() has news: the exit status, or
  // that the shim went away.
  [[nodiscard]] int fd() const;
  // Never blocks. nullopt: not yet. A value: the process ended and all its
  // output reached this attachment's fds. Unavailable: the shim went away
  // before telling; a new attachment then reports what the record holds.
  // Other errors (ProcessLost) are final.
  Result<std::optional<int>> exit_status();
  // Moot (and fine) once the process ended.
  Result<void> signal(int sig);
  // The process's terminal size; ignored for a process without a tty.
  Result<void> resize(uint16_t cols, uint16_t rows);
  // Closes the process's stdin once every byte already written into this
  // attachment's stdin_fd reached it (the caller then closes its write end).
  Result<void> close_stdin();

 private:
  friend class Tracker;
  // Connected to a live shim, which has the Attach message.
  Attachment(UniqueFd socket, std::string dir, std::string id);
  // The record of a process whose shim is gone: what it said, at once.
  static Result<Attachment> finished(Result<int> outcome, std::string dir, std::string id);
  Result<void> tell(int32_t type, int32_t a, int32_t b);

  UniqueFd socket_;  // to the shim; or an eventfd, always readable, when finished
  std::string dir_;
  std::string id_;
  std::optional<Result<int>> outcome_;  // the Exit received, or the record's answer
};

}  // namespace dmc::process_tracker
