// Reservations (process_tracker/attachment.hpp's StreamFds::token), as
// dmcd uses them, on the real runtime: an attachment with stdin and a
// token, then output connections that come later, one of them with the
// token, which gets all the output since the first attachment opened, even
// what another client already received.
#include <poll.h>
#include <unistd.h>

#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "process_tracker/tracker.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using process_tracker::Attachment;
using process_tracker::StreamFds;

namespace {

constexpr uint32_t kToken = 0x5eed1234;

class NoExec : public process_tracker::ExecCommand {
 public:
  [[nodiscard]] std::vector<std::string> argv(const std::string&,
                                              const process_tracker::ExecArgs&) const override {
    return {};
  }
  [[nodiscard]] Error failure(ChildExit, std::string_view) const override {
    return make_error(ErrorKind::Internal, "no exec here");
  }
};

struct Env {
  Env() : handle(dmc.create()) {}
  std::string run(const std::vector<std::string>& argv) {
    std::vector<std::string> args = {"run", handle, "--detach", "--"};
    args.insert(args.end(), argv.begin(), argv.end());
    auto r = dmc.dmc(args);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    return r.out.substr(0, r.out.find('\n'));
  }
  Attachment open(const std::string& id, const StreamFds& fds) {
    auto a = tracker.open_attachment(dmc.depot() + "/" + handle + "/processes", id, fds);
    REQUIRE_MESSAGE(a, a.error().message);
    return std::move(*a);
  }
  DmcEnv dmc;
  std::string handle;
  NoExec exec;
  process_tracker::Tracker tracker{process_tracker::TrackerConfig{}, exec, Logger()};
};

bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// The exit status, polled for up to 30 s (a bug fails the test, never hangs it).
int exit_of(Attachment& a) {
  for (int i = 0; i < 300; ++i) {
    if (!readable(a.fd(), 100)) continue;
    auto status = a.exit_status();
    REQUIRE_MESSAGE(status, status.error().message);
    if (*status) return **status;
  }
  FAIL("no exit status within 30 s");
  return -1;
}

// Reads fd until it holds `want` (or 10 s passed); what it read.
std::string read_until(int fd, const std::string& want) {
  std::string got;
  char buf[4096];
  for (int i = 0; i < 100 && got.find(want) == std::string::npos; ++i) {
    if (!readable(fd, 100)) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace

TEST_CASE("a late stdout attachment with the token gets the output an earlier one already took") {
  Env env;
  const auto id = env.run({"/bin/cat"});
  auto in = make_pipe();
  Attachment a = env.open(id, {.stdin_fd = in[0].get(), .stdin_eof_closes = false,
                               .token = kToken});
  in[0].reset();

  auto first = make_pipe();
  Attachment b = env.open(id, {.stdout_fd = first[1].get()});
  first[1].reset();
  REQUIRE(write_all(in[1].get(), "one\n"));
  REQUIRE(read_until(first[0].get(), "one\n") == "one\n");

  auto late = make_pipe();
  Attachment c = env.open(id, {.stdout_fd = late[1].get(), .token = kToken});
  late[1].reset();
  CHECK(read_until(late[0].get(), "one\n") == "one\n");

  REQUIRE(write_all(in[1].get(), "two\n"));
  REQUIRE(a.close_stdin());
  in[1].reset();
  REQUIRE(exit_of(a) == 0);
  REQUIRE(exit_of(b) == 0);
  REQUIRE(exit_of(c) == 0);
  CHECK(read_all(first[0].get()) == "two\n");
  CHECK(read_all(late[0].get()) == "two\n");
}

TEST_CASE("the reserving attachment learns the exit at once, and a claim after the exit still gets the output") {
  Env env;
  const auto id = env.run({"/bin/sh", "-c", "read x; printf \"got-$x\"; printf \"err-$x\" >&2; exit 5"});
  auto in = make_pipe();
  Attachment a = env.open(id, {.stdin_fd = in[0].get(), .stdin_eof_closes = false,
                               .token = kToken});
  in[0].reset();
  auto first = make_pipe();
  Attachment b = env.open(id, {.stdout_fd = first[1].get()});
  first[1].reset();
  REQUIRE(write_all(in[1].get(), "x\n"));
  REQUIRE(exit_of(a) == 5);  // nobody claimed, and that holds back no exit
  REQUIRE(exit_of(b) == 5);
  CHECK(read_all(first[0].get()) == "got-x");

  auto out = make_pipe();
  auto err = make_pipe();
  Attachment c = env.open(id, {.stdout_fd = out[1].get(), .token = kToken});
  Attachment e = env.open(id, {.stderr_fd = err[1].get(), .token = kToken});
  out[1].reset();
  err[1].reset();
  REQUIRE(exit_of(c) == 5);
  REQUIRE(exit_of(e) == 5);
  CHECK(read_all(out[0].get()) == "got-x");
  CHECK(read_all(err[0].get()) == "err-x");
}
