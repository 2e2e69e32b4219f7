// The shim's wire protocol over real SOCK_SEQPACKET sockets.
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "io_helpers.hpp"
#include "process_tracker/protocol.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::test::make_pipe;
using dmc::test::read_available;
using dmc::test::TempDir;
using dmc::test::put_all;
namespace protocol = dmc::process_tracker::protocol;
using protocol::Message;
using protocol::Type;

namespace {

std::array<UniqueFd, 2> seqpacket_pair() {
  int s[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) == 0);
  return {UniqueFd(s[0]), UniqueFd(s[1])};
}

protocol::Received receive_one(int socket) {
  auto got = protocol::receive(socket);
  REQUIRE_MESSAGE(got, got.error().message);
  REQUIRE(got->has_value());
  return std::move(**got);
}

size_t open_fd_count() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  REQUIRE(d);
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n;
}

// A raw SCM_RIGHTS datagram of `count` copies of fd, with a valid message.
void send_raw_fds(int socket, int fd, size_t count) {
  Message m{Type::Attach, 0, 0};
  iovec iov{&m, sizeof m};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * count));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * count);
  std::vector<int> fds(count, fd);
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * count);
  REQUIRE(::sendmsg(socket, &msg, 0) == static_cast<ssize_t>(sizeof m));
}

// A directory whose path is longer than sun_path holds.
std::string long_dir(const TempDir& temp) {
  std::string dir = temp.path();
  const std::string part(60, 'd');
  while (dir.size() <= sizeof(sockaddr_un{}.sun_path) + 20) dir += "/" + part;
  REQUIRE(make_dirs(dir));
  return dir;
}

UniqueFd open_dir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(fd);
  return fd;
}

UniqueFd accept_one(int listener) {
  UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  REQUIRE(fd);
  return fd;
}

}  // namespace

TEST_CASE("every message type arrives as it was sent") {
  auto s = seqpacket_pair();
  const std::vector<Message> messages = {
      {Type::Attach, protocol::kStdin | protocol::kStdout | protocol::kStderr, 0},
      {Type::Signal, 15, 0},
      {Type::Resize, 132, 43},
      {Type::Exit, 143, 0},
      {Type::Exit, -1, 0},
  };
  for (const auto& sent : messages) {
    CAPTURE(static_cast<int>(sent.type));
    REQUIRE(protocol::send(s[0].get(), sent));
    auto got = receive_one(s[1].get());
    CHECK(got.message.type == sent.type);
    CHECK(got.message.a == sent.a);
    CHECK(got.message.b == sent.b);
    CHECK(got.fds.empty());
  }
}

TEST_CASE("messages sent back to back arrive one by one") {
  auto s = seqpacket_pair();
  REQUIRE(protocol::send(s[0].get(), {Type::Signal, 2, 0}));
  REQUIRE(protocol::send(s[0].get(), {Type::Resize, 80, 24}));
  auto first = receive_one(s[1].get());
  auto second = receive_one(s[1].get());
  CHECK(first.message.type == Type::Signal);
  CHECK(first.message.a == 2);
  CHECK(second.message.type == Type::Resize);
  CHECK(second.message.a == 80);
  CHECK(second.message.b == 24);
}

TEST_CASE("passed fds arrive in order, close-on-exec, and refer to the same files") {
  auto s = seqpacket_pair();
  auto in = make_pipe();
  auto out = make_pipe();
  auto err = make_pipe();
  REQUIRE(protocol::send(s[0].get(), {Type::Attach, 7, 0},
                         {in[0].get(), out[1].get(), err[1].get()}));
  auto got = receive_one(s[1].get());
  CHECK(got.message.type == Type::Attach);
  CHECK(got.message.a == 7);
  REQUIRE(got.fds.size() == 3);
  for (const auto& fd : got.fds) CHECK((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);

  put_all(in[1].get(), "to stdin");
  char buf[16];
  ssize_t n = ::read(got.fds[0].get(), buf, sizeof buf);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<size_t>(n)) == "to stdin");
  put_all(got.fds[1].get(), "to stdout");
  put_all(got.fds[2].get(), "to stderr");
  CHECK(read_available(out[0].get()) == "to stdout");
  CHECK(read_available(err[0].get()) == "to stderr");
}

TEST_CASE("sending more than three fds is refused and sends nothing") {
  auto s = seqpacket_pair();
  auto p = make_pipe();
  const int fd = p[1].get();
  auto sent = protocol::send(s[0].get(), {Type::Attach, 7, 0}, {fd, fd, fd, fd});
  REQUIRE_FALSE(sent);
  CHECK(sent.error().kind == ErrorKind::Invalid);
  CHECK(sent.error().message == "too many fds to send");
  CHECK(dmc::test::bytes_buffered(s[1].get()) == 0);
}

TEST_CASE("receive returns nothing once the peer closed") {
  auto s = seqpacket_pair();
  REQUIRE(protocol::send(s[0].get(), {Type::Exit, 3, 0}));
  s[0].reset();
  auto last = receive_one(s[1].get());  // what was sent before still arrives
  CHECK(last.message.a == 3);
  auto eof = protocol::receive(s[1].get());
  REQUIRE_MESSAGE(eof, eof.error().message);
  CHECK_FALSE(eof->has_value());
}

TEST_CASE("receive on a non-blocking socket with nothing ready is Unavailable") {
  auto s = seqpacket_pair();
  dmc::test::set_nonblocking(s[1].get());
  auto got = protocol::receive(s[1].get());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Unavailable);
}

TEST_CASE("a short datagram is an Invalid message") {
  auto s = seqpacket_pair();
  REQUIRE(::send(s[0].get(), "abc", 3, 0) == 3);
  auto got = protocol::receive(s[1].get());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
  CHECK(got.error().message == "malformed message (3 bytes)");

  // The next message is read on its own.
  REQUIRE(protocol::send(s[0].get(), {Type::Signal, 9, 0}));
  CHECK(receive_one(s[1].get()).message.a == 9);
}

TEST_CASE("more fds than a message carries make it Invalid, and none of them stay open") {
  auto s = seqpacket_pair();
  auto p = make_pipe();
  const size_t before = open_fd_count();
  send_raw_fds(s[0].get(), p[1].get(), 8);
  auto got = protocol::receive(s[1].get());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
  CHECK(open_fd_count() == before);
}

TEST_CASE("fds passed with a short datagram are closed") {
  auto s = seqpacket_pair();
  auto p = make_pipe();
  const size_t before = open_fd_count();
  int fd = p[1].get();
  char byte = 'x';
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  REQUIRE(::sendmsg(s[0].get(), &msg, 0) == 1);
  auto got = protocol::receive(s[1].get());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
  CHECK(open_fd_count() == before);
}

TEST_CASE("listen_in and connect_in work in a directory longer than sun_path") {
  TempDir temp;
  const std::string dir = long_dir(temp);
  REQUIRE(dir.size() > sizeof(sockaddr_un{}.sun_path));
  UniqueFd dir_fd = open_dir(dir);

  auto listener = protocol::listen_in(dir_fd.get(), "shim.sock");
  REQUIRE_MESSAGE(listener, listener.error().message);
  struct stat st;
  REQUIRE(::stat((dir + "/shim.sock").c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK(dmc::test::is_nonblocking(listener->get()));
  int type = 0;
  socklen_t len = sizeof type;
  REQUIRE(::getsockopt(listener->get(), SOL_SOCKET, SO_TYPE, &type, &len) == 0);
  CHECK(type == SOCK_SEQPACKET);
  CHECK(::accept4(listener->get(), nullptr, nullptr, SOCK_CLOEXEC) < 0);  // nobody yet
  CHECK(errno == EAGAIN);

  auto client = protocol::connect_in(dir, "shim.sock");
  REQUIRE_MESSAGE(client, client.error().message);
  UniqueFd server = accept_one(listener->get());
  REQUIRE(protocol::send(client->get(), {Type::Signal, 10, 0}));
  CHECK(receive_one(server.get()).message.a == 10);
  REQUIRE(protocol::send(server.get(), {Type::Exit, 0, 0}));
  CHECK(receive_one(client->get()).message.type == Type::Exit);
}

TEST_CASE("listen_in replaces a stale socket file") {
  TempDir temp;
  UniqueFd dir_fd = open_dir(temp.path());
  {
    auto old = protocol::listen_in(dir_fd.get(), "shim.sock");
    REQUIRE(old);
  }  // closed: its file stays behind, as after a crash
  REQUIRE(dmc::test::exists(temp / "shim.sock"));
  auto stale = protocol::connect_in(temp.path(), "shim.sock");
  REQUIRE_FALSE(stale);
  CHECK(stale.error().err == ECONNREFUSED);
  CHECK(stale.error().message.starts_with("connect " + temp.path() + "/shim.sock"));

  auto listener = protocol::listen_in(dir_fd.get(), "shim.sock");
  REQUIRE_MESSAGE(listener, listener.error().message);
  auto client = protocol::connect_in(temp.path(), "shim.sock");
  REQUIRE_MESSAGE(client, client.error().message);
  UniqueFd server = accept_one(listener->get());
  REQUIRE(protocol::send(client->get(), {Type::Resize, 1, 2}));
  CHECK(receive_one(server.get()).message.b == 2);
}

TEST_CASE("listen_in makes a stream socket when asked (the console socket)") {
  TempDir temp;
  UniqueFd dir_fd = open_dir(long_dir(temp));
  auto listener = protocol::listen_in(dir_fd.get(), "console.sock", SOCK_STREAM);
  REQUIRE_MESSAGE(listener, listener.error().message);
  int type = 0;
  socklen_t len = sizeof type;
  REQUIRE(::getsockopt(listener->get(), SOL_SOCKET, SO_TYPE, &type, &len) == 0);
  CHECK(type == SOCK_STREAM);
}

TEST_CASE("connect_in fails where there is no socket or no directory") {
  TempDir temp;
  auto none = protocol::connect_in(temp.path(), "shim.sock");
  REQUIRE_FALSE(none);
  CHECK(none.error().kind == ErrorKind::NotFound);

  auto no_dir = protocol::connect_in(temp / "missing", "shim.sock");
  REQUIRE_FALSE(no_dir);
  CHECK(no_dir.error().kind == ErrorKind::NotFound);
  CHECK(no_dir.error().message.starts_with(temp / "missing"));
}

TEST_CASE("a long datagram is an Invalid message") {
  auto s = seqpacket_pair();
  struct {
    Message m{Type::Signal, 9, 0};
    int32_t extra = 42;
  } longer;
  REQUIRE(::send(s[0].get(), &longer, sizeof longer, 0) == static_cast<ssize_t>(sizeof longer));
  auto got = protocol::receive(s[1].get());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
}
