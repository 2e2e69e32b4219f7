#include "process_tracker/protocol.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace dmc::process_tracker::protocol {
namespace {

constexpr size_t kMaxFds = 3;

Result<sockaddr_un> address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) {
    return make_error(ErrorKind::Invalid, "socket path too long: {}", path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

std::string via_fd(int dir_fd, std::string_view name) {
  return fmt::format("/proc/self/fd/{}/{}", dir_fd, name);
}

}  // namespace

Result<void> send(int socket, const Message& message, const std::vector<int>& fds) {
  iovec iov{const_cast<Message*>(&message), sizeof message};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    if (fds.size() > kMaxFds) return make_error(ErrorKind::Invalid, "too many fds to send");
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("send to shim");
  return {};
}

namespace {

// recvmsg of up to size bytes, with the fds that came along (CLOEXEC).
Result<size_t> receive_with_fds(int socket, void* data, size_t size, std::vector<UniqueFd>& fds,
                                int& flags) {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("receive");
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.emplace_back(fd);
    }
  }
  flags = msg.msg_flags;
  return static_cast<size_t>(n);
}

}  // namespace

Result<std::optional<Received>> receive(int socket) {
  Received out;
  int flags = 0;
  DMC_TRY(n, receive_with_fds(socket, &out.message, sizeof out.message, out.fds, flags));
  if (n == 0) return std::optional<Received>();
  if (n != sizeof out.message || (flags & (MSG_CTRUNC | MSG_TRUNC))) {
    return make_error(ErrorKind::Invalid, "malformed message ({} bytes)", n);
  }
  return std::optional<Received>(std::move(out));
}

Result<UniqueFd> receive_fd(int socket) {
  char data[256];  // the runtime sends the pty's name along
  std::vector<UniqueFd> fds;
  int flags = 0;
  DMC_CHECK(receive_with_fds(socket, data, sizeof data, fds, flags));
  if (fds.size() != 1) return make_error(ErrorKind::Internal, "expected one fd, got {}", fds.size());
  return std::move(fds.front());
}

Result<UniqueFd> connect_in(const std::string& dir, std::string_view name) {
  int dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return sys_error(dir);
  UniqueFd dir_guard(dir_fd);
  UniqueFd sock(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
  if (!sock) return sys_error("socket");
  DMC_TRY(addr, address(via_fd(dir_fd, name)));
  if (::connect(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    return sys_error(fmt::format("connect {}/{}", dir, name));
  }
  return sock;
}

Result<UniqueFd> listen_in(int dir_fd, std::string_view name, int type) {
  std::string n(name);
  ::unlinkat(dir_fd, n.c_str(), 0);
  UniqueFd sock(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!sock) return sys_error("socket");
  DMC_TRY(addr, address(via_fd(dir_fd, name)));
  if (::bind(sock.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
    return sys_error(fmt::format("bind {}", name));
  }
  if (::listen(sock.get(), 16) < 0) return sys_error(fmt::format("listen {}", name));
  return sock;
}

}  // namespace dmc::process_tracker::protocol
