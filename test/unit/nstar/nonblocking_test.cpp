#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <doctest/doctest.h>

#include "nstar_fixture.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

void set_nonblocking(int fd) {
  REQUIRE(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK) == 0);
}

// Writes data in small pieces with pauses, so that a reader finds the pipe
// empty; stops at the first error (the reader is gone).
void trickle(int fd, const std::string& data) {
  for (size_t at = 0; at < data.size();) {
    ssize_t n = ::write(fd, data.data() + at, std::min<size_t>(64 << 10, data.size() - at));
    if (n <= 0) return;
    at += static_cast<size_t>(n);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

// SIGPIPE ignored while a test writes into pipes that may close early.
struct IgnoreSigpipe {
  void (*old)(int) = ::signal(SIGPIPE, SIG_IGN);
  ~IgnoreSigpipe() { ::signal(SIGPIPE, old); }
};

}  // namespace

// dmcd hands over fds from its libuv loop: non-blocking, and not ours to change.
TEST_CASE("non-blocking pipes work both ways") {
  ContainerFixture c;
  IgnoreSigpipe ignore;
  std::string data(3 << 20, 'd');
  auto tar = make_tar({tar_file("f", data)});

  auto in_pipe = make_pipe();
  set_nonblocking(in_pipe[0].get());
  std::thread writer([&] {
    trickle(in_pipe[1].get(), tar);
    in_pipe[1].reset();
  });
  auto in = c.nstar.stream_in(proc::Claim{.pid = c.init_pid}, kRoot, "/data", in_pipe[0].get());
  CHECK((::fcntl(in_pipe[0].get(), F_GETFL) & O_NONBLOCK) != 0);
  in_pipe[0].reset();  // a writer left behind by a failure gets EPIPE, not stuck
  writer.join();
  REQUIRE_MESSAGE(in, in.error().message);
  CHECK(read_text(c.host_path("/data/f")) == data);

  auto out_pipe = make_pipe();
  set_nonblocking(out_pipe[1].get());
  std::string received;
  std::thread reader([&] {
    char buffer[4096];
    for (;;) {
      ssize_t n = ::read(out_pipe[0].get(), buffer, sizeof buffer);
      if (n <= 0) break;
      received.append(buffer, static_cast<size_t>(n));
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  auto out = c.nstar.stream_out(proc::Claim{.pid = c.init_pid}, kRoot, "/data/f", out_pipe[1].get());
  out_pipe[1].reset();
  reader.join();
  REQUIRE_MESSAGE(out, out.error().message);
  CHECK(tar_entries(received) == std::vector<std::pair<std::string, std::string>>{{"f", data}});
}
