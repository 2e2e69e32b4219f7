// Sockets of another network namespace, made without moving the caller: a
// socket belongs to the netns it was created in, and setns(CLONE_NEWNET)
// moves only the calling thread, so a short-lived thread of its own joins
// the namespace, makes the socket and ends. The caller's thread (a server's)
// never changes namespace.
#pragma once

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::supervisor {

// A non-blocking, close-on-exec IPv4 TCP socket of the netns netns_fd names.
Result<UniqueFd> tcp_socket_in(int netns_fd);

}  // namespace dmc::supervisor
