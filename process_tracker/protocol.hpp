// The shim's wire protocol: fixed-size messages on a SOCK_SEQPACKET unix
// socket, with file descriptors passed as SCM_RIGHTS. Each connection is one
// client (an Attachment); any number may be connected at once.
//
// client -> shim
//   Attach{flags}        with fds, in this order, for each of kStdin,
//                        kStdout, kStderr set: the client's stdin (the shim
//                        reads it and forwards it to the process), stdout
//                        and stderr (the shim writes the process's output
//                        straight into them, so it knows to the byte what
//                        was delivered: a client killed at any moment loses
//                        and duplicates nothing). A new attacher gets the
//                        output no client has received yet, then live output.
//                        With no flag at all the client only learns the exit.
//                        b: a token (a uint32; 0: none). With a token and
//                        neither kStdout nor kStderr, the shim reserves, for
//                        each output stream, the place a new attacher would
//                        start at now, for 60 s. A later Attach with the same
//                        token and kStdout (kStderr) starts that stream there
//                        (and the reservation is used up), so it gets all the
//                        output since the first Attach even if other clients
//                        received it meanwhile. A reservation keeps its bytes
//                        in the spool (holding the process back at the cap)
//                        but no client's Exit; the shim stays while one would
//                        still give bytes. Unknown or expired token: as none.
//                        EOF on the client's stdin closes the process's
//                        stdin, unless kStdinDetaches is set: then it only
//                        ends this client's stdin (a later client may feed
//                        the process) and only CloseStdin closes it.
//   Signal{signal}       signal the process
//   Resize{cols, rows}   tty only
//   CloseStdin{}         close the process's stdin once every byte this
//                        client's stdin holds has reached it: the shim reads
//                        the client's stdin to EOF first (at once, if the
//                        client has none). Bytes already in the client's
//                        stdin when the client goes away still reach the
//                        process.
// shim -> client
//   Exit{code}           once the process ended and all its output reached
//                        this client's fds; the shim then closes its copies
//                        of them and the connection. A connection closed
//                        without Exit: the shim went away (see orphan.hpp).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::process_tracker::protocol {

enum class Type : uint32_t { Attach = 1, Signal = 2, Resize = 3, Exit = 4, CloseStdin = 5 };

enum AttachFlags : int32_t { kStdin = 1, kStdout = 2, kStderr = 4, kStdinDetaches = 8 };

struct Message {
  Type type = Type::Exit;
  int32_t a = 0;  // Attach: flags; Signal: signal; Resize: cols; Exit: code
  int32_t b = 0;  // Resize: rows; Attach: token
};

Result<void> send(int socket, const Message& message, const std::vector<int>& fds = {});

struct Received {
  Message message;
  std::vector<UniqueFd> fds;
};
// Nullopt at EOF (the peer closed); Unavailable when nothing is ready on a
// non-blocking socket.
Result<std::optional<Received>> receive(int socket);

// One fd sent with any payload, as the runtime sends a pty master over its
// console socket.
Result<UniqueFd> receive_fd(int socket);

// connect() to a SOCK_SEQPACKET socket in dir, whatever the dir's length
// (through /proc/self/fd, as sun_path holds only 108 bytes).
Result<UniqueFd> connect_in(const std::string& dir, std::string_view name);
// socket + bind + listen, non-blocking; a stale socket file is replaced.
// SOCK_SEQPACKET for our own protocol; the runtime's console socket is a
// SOCK_STREAM one.
Result<UniqueFd> listen_in(int dir_fd, std::string_view name, int type = SOCK_SEQPACKET);

}  // namespace dmc::process_tracker::protocol
