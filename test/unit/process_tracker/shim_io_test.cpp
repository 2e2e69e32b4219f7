// ClientEnd on real pipes, sockets, files and a pty: it never blocks and
// never changes the client's own file descriptions.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>

#include <doctest/doctest.h>

#include "io_helpers.hpp"
#include "process_tracker/shim_io.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::test;
using dmc::process_tracker::ClientEnd;
using dmc::process_tracker::EndKind;

namespace {

std::array<UniqueFd, 2> socket_pair() {
  int s[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == 0);
  return {UniqueFd(s[0]), UniqueFd(s[1])};
}

// Writes through end until not even one more byte goes in; the bytes
// written.
std::string fill(const ClientEnd& end) {
  const std::string data = pattern(1 << 22, 5);
  std::string written;
  size_t chunk = 1000;
  for (int i = 0; i < 1000000 && written.size() + chunk <= data.size(); ++i) {
    auto n = end.write(data.data() + written.size(), chunk);
    REQUIRE_MESSAGE(n, n.error().message);
    written.append(data, written.size(), *n);
    if (*n == 0 && chunk == 1) return written;
    if (*n == 0) chunk = 1;
  }
  FAIL("the end never reported full");
  return written;
}

UniqueFd spool_with(const TempDir& temp, const std::string& content) {
  return file_with(temp / "spool", content, O_RDONLY);
}

}  // namespace

TEST_CASE("a pipe's write end is reopened non-blocking and the caller's fd stays blocking") {
  auto p = make_pipe();
  ClientEnd end = client_end(p[1].get(), true);
  CHECK(end.kind() == EndKind::Reopened);
  CHECK(end.fd() != p[1].get());
  CHECK(is_nonblocking(end.fd()));
  CHECK((fd_flags(end.fd()) & O_ACCMODE) == O_WRONLY);
  CHECK((::fcntl(end.fd(), F_GETFD) & FD_CLOEXEC) != 0);
  CHECK_FALSE(is_nonblocking(p[1].get()));

  auto n = end.write("to the pipe", 11);
  REQUIRE(n);
  CHECK(*n == 11);
  CHECK(read_available(p[0].get()) == "to the pipe");
}

TEST_CASE("writing into a full pipe returns 0 without blocking") {
  Watchdog watchdog;
  auto p = make_pipe();
  ClientEnd end = client_end(p[1].get(), true);
  const std::string written = fill(end);
  CHECK(!written.empty());
  CHECK(written.size() <= static_cast<size_t>(pipe_capacity(p[0].get())));
  auto again = end.write("x", 1);
  REQUIRE(again);
  CHECK(*again == 0);

  CHECK(same_bytes(read_available(p[0].get()), written));
  auto after = end.write("more", 4);
  REQUIRE(after);
  CHECK(*after == 4);
  CHECK(read_available(p[0].get()) == "more");
}

TEST_CASE("writing into a pipe whose reader is gone is an error") {
  SigpipeIgnored sigpipe;
  auto p = make_pipe();
  ClientEnd end = client_end(p[1].get(), true);
  p[0].reset();
  auto n = end.write("x", 1);
  REQUIRE_FALSE(n);
  CHECK(n.error().err == EPIPE);
}

TEST_CASE("a socket end is written with send and returns 0 when full") {
  Watchdog watchdog;
  auto s = socket_pair();
  ClientEnd end = client_end(s[0].get(), true);
  CHECK(end.kind() == EndKind::Socket);
  const std::string written = fill(end);
  CHECK(!written.empty());
  CHECK_FALSE(is_nonblocking(s[0].get()));  // the shared description is untouched
  CHECK(same_bytes(read_available(s[1].get()), written));
}

TEST_CASE("a socket whose peer is gone is an error, not a SIGPIPE") {
  // SIGPIPE keeps its default action here: without MSG_NOSIGNAL the test
  // binary would die.
  auto s = socket_pair();
  ClientEnd end = client_end(s[0].get(), true);
  s[1].reset();
  auto n = end.write("x", 1);
  REQUIRE_FALSE(n);
  CHECK(n.error().err == EPIPE);
}

TEST_CASE("a regular file is written at the caller's offset") {
  TempDir temp;
  const std::string path = temp / "out";
  UniqueFd file = open_file(path, O_WRONLY | O_CREAT | O_TRUNC);
  put_all(file.get(), "one;");
  ClientEnd end = client_end(file.get(), true);
  CHECK(end.kind() == EndKind::File);
  auto n = end.write("two;", 4);
  REQUIRE(n);
  CHECK(*n == 4);
  put_all(file.get(), "three");
  CHECK(read_text(path) == "one;two;three");
  CHECK_FALSE(is_nonblocking(file.get()));
}

TEST_CASE("an O_APPEND file is appended to, after what was there") {
  TempDir temp;
  const std::string path = temp / "log";
  UniqueFd file = file_with(path, "old;", O_WRONLY | O_APPEND);
  ClientEnd end = client_end(file.get(), true);
  CHECK(end.kind() == EndKind::File);
  auto n = end.write("new;", 4);
  REQUIRE(n);
  CHECK(*n == 4);
  put_all(file.get(), "more");
  CHECK(read_text(path) == "old;new;more");
}

TEST_CASE("reading an empty pipe is Unavailable and its end is 0") {
  Watchdog watchdog;
  auto p = make_pipe();
  ClientEnd end = client_end(p[0].get(), false);
  CHECK(end.kind() == EndKind::Reopened);
  CHECK((fd_flags(end.fd()) & O_ACCMODE) == O_RDONLY);
  CHECK_FALSE(is_nonblocking(p[0].get()));
  char buf[16];

  auto empty = end.read(buf, sizeof buf);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().kind == ErrorKind::Unavailable);

  put_all(p[1].get(), "hi");
  auto got = end.read(buf, sizeof buf);
  REQUIRE(got);
  CHECK(std::string(buf, *got) == "hi");

  p[1].reset();
  auto eof = end.read(buf, sizeof buf);
  REQUIRE(eof);
  CHECK(*eof == 0);
}

TEST_CASE("reading an empty socket is Unavailable and its end is 0") {
  Watchdog watchdog;
  auto s = socket_pair();
  ClientEnd end = client_end(s[0].get(), false);
  CHECK(end.kind() == EndKind::Socket);
  char buf[16];
  auto empty = end.read(buf, sizeof buf);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().kind == ErrorKind::Unavailable);
  CHECK_FALSE(is_nonblocking(s[0].get()));

  put_all(s[1].get(), "input");
  auto got = end.read(buf, sizeof buf);
  REQUIRE(got);
  CHECK(std::string(buf, *got) == "input");
  s[1].reset();
  auto eof = end.read(buf, sizeof buf);
  REQUIRE(eof);
  CHECK(*eof == 0);
}

TEST_CASE("a regular file as stdin is read from the caller's offset") {
  TempDir temp;
  UniqueFd file = file_with(temp / "in", "skip;rest", O_RDONLY);
  REQUIRE(::lseek(file.get(), 5, SEEK_SET) == 5);
  ClientEnd end = client_end(file.get(), false);
  CHECK(end.kind() == EndKind::File);
  char buf[16];
  auto got = end.read(buf, sizeof buf);
  REQUIRE(got);
  CHECK(std::string(buf, *got) == "rest");
  auto eof = end.read(buf, sizeof buf);
  REQUIRE(eof);
  CHECK(*eof == 0);
}

TEST_CASE("a terminal is reopened non-blocking and the caller's fd stays blocking") {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  REQUIRE(master);
  REQUIRE(::grantpt(master.get()) == 0);
  REQUIRE(::unlockpt(master.get()) == 0);
  UniqueFd terminal = open_file(::ptsname(master.get()), O_RDWR | O_NOCTTY);

  ClientEnd end = client_end(terminal.get(), true);
  CHECK(end.kind() == EndKind::Reopened);
  CHECK(is_nonblocking(end.fd()));
  CHECK_FALSE(is_nonblocking(terminal.get()));
  auto n = end.write("tty", 3);
  REQUIRE(n);
  CHECK(*n == 3);
  set_nonblocking(master.get());
  std::string got;
  CHECK(eventually([&] {
    got += read_available(master.get());
    return got.size() >= 3;
  }));
  CHECK(got == "tty");
}

TEST_CASE("a closed fd cannot be made an end") {
  auto end = ClientEnd::make(UniqueFd(), true);
  REQUIRE_FALSE(end);
  CHECK(end.error().err == EBADF);
}

TEST_CASE("write_from sends spooled bytes from the offset and advances it") {
  TempDir temp;
  UniqueFd spool = spool_with(temp, "0123456789");
  char scratch[3];

  SUBCASE("into a pipe") {
    auto p = make_pipe();
    ClientEnd end = client_end(p[1].get(), true);
    off_t offset = 2;
    auto n = end.write_from(spool.get(), &offset, 5, scratch, sizeof scratch);
    REQUIRE(n);
    CHECK(*n == 5);
    CHECK(offset == 7);
    CHECK(read_available(p[0].get()) == "23456");
  }
  SUBCASE("into a socket, at most a scratch buffer at a time") {
    auto s = socket_pair();
    ClientEnd end = client_end(s[0].get(), true);
    off_t offset = 2;
    auto n = end.write_from(spool.get(), &offset, 5, scratch, sizeof scratch);
    REQUIRE(n);
    CHECK(*n == 3);
    CHECK(offset == 5);
    CHECK(read_available(s[1].get()) == "234");
  }
  SUBCASE("into a file, at the caller's offset") {
    const std::string path = temp / "out";
    UniqueFd file = file_with(path, "head;", O_WRONLY);
    REQUIRE(::lseek(file.get(), 0, SEEK_END) == 5);
    ClientEnd end = client_end(file.get(), true);
    off_t offset = 2;
    size_t total = 0;  // through the scratch buffer, a part at a time
    while (total < 5) {
      auto n = end.write_from(spool.get(), &offset, 5 - total, scratch, sizeof scratch);
      REQUIRE(n);
      REQUIRE(*n > 0);
      total += *n;
    }
    CHECK(offset == 7);
    CHECK(read_text(path) == "head;23456");
  }
  // The spool's own offset is not used.
  CHECK(::lseek(spool.get(), 0, SEEK_CUR) == 0);
}

TEST_CASE("write_from into a full pipe returns 0 and leaves the offset") {
  Watchdog watchdog;
  TempDir temp;
  UniqueFd spool = spool_with(temp, "spooled");
  auto p = make_pipe();
  ClientEnd end = client_end(p[1].get(), true);
  const std::string written = fill(end);
  off_t offset = 0;
  char scratch[16];
  auto n = end.write_from(spool.get(), &offset, 7, scratch, sizeof scratch);
  REQUIRE(n);
  CHECK(*n == 0);
  CHECK(offset == 0);
  CHECK(same_bytes(read_available(p[0].get()), written));
}

TEST_CASE("write_from into a pipe whose reader is gone is an error") {
  SigpipeIgnored sigpipe;
  TempDir temp;
  UniqueFd spool = spool_with(temp, "spooled");
  auto p = make_pipe();
  ClientEnd end = client_end(p[1].get(), true);
  p[0].reset();
  off_t offset = 0;
  char scratch[16];
  auto n = end.write_from(spool.get(), &offset, 7, scratch, sizeof scratch);
  REQUIRE_FALSE(n);
  CHECK(n.error().err == EPIPE);
}

TEST_CASE("write_from appends to an O_APPEND file") {
  TempDir temp;
  UniqueFd spool = spool_with(temp, "0123456789");
  const std::string path = temp / "log";
  UniqueFd file = file_with(path, "old;", O_WRONLY | O_APPEND);
  ClientEnd end = client_end(file.get(), true);
  off_t offset = 2;
  char scratch[16];
  auto n = end.write_from(spool.get(), &offset, 5, scratch, sizeof scratch);
  REQUIRE_MESSAGE(n, n.error().message);
  CHECK(*n == 5);
  CHECK(offset == 7);
  CHECK(read_text(path) == "old;23456");
}
