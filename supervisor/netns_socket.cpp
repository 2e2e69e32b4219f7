#include "supervisor/netns_socket.hpp"

#include <sched.h>
#include <sys/socket.h>

#include <thread>

namespace dmc::supervisor {

Result<UniqueFd> tcp_socket_in(int netns_fd) {
  Result<UniqueFd> made = make_error(ErrorKind::Internal, "netns socket: not made");
  std::thread joiner([&] {
    if (::setns(netns_fd, CLONE_NEWNET) < 0) {
      made = sys_error("setns of the container's network namespace");
      return;
    }
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    made = fd ? Result<UniqueFd>(std::move(fd)) : Result<UniqueFd>(sys_error("socket"));
  });
  joiner.join();
  return made;
}

}  // namespace dmc::supervisor
