// Attachments (attachment.hpp) on the real dmc-shim with the fake runtime:
// the stdin rules a server needs, and the fd it polls.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "io_helpers.hpp"
#include "shim_env.hpp"
#include "support/machine.hpp"

using namespace dmc;
using dmc::process_tracker::Attachment;
using dmc::test::Env;
using dmc::test::make_pipe;
using dmc::test::put_all;
using dmc::test::shell;
using dmc::test::eventually;
namespace names = dmc::process_tracker::names;

namespace {

Attachment open(Env& env, const std::string& id, const process_tracker::StreamFds& fds) {
  auto a = env.tracker.open_attachment(env.processes, id, fds);
  REQUIRE_MESSAGE(a, a.error().message);
  return std::move(*a);
}

// Polls the attachment's fd (30 s at most: a bug fails, never hangs).
int exit_of(Attachment& a) {
  for (int i = 0; i < 300; ++i) {
    pollfd p{a.fd(), POLLIN, 0};
    if (::poll(&p, 1, 100) != 1) continue;
    auto status = a.exit_status();
    REQUIRE_MESSAGE(status, status.error().message);
    if (*status) return **status;
  }
  FAIL("no exit status within 30 s");
  return -1;
}

// Reads fd until it holds `want` (30 s at most); what it read.
std::string read_until(int fd, const std::string& want) {
  std::string got;
  for (int i = 0; i < 300 && got.find(want) == std::string::npos; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) got += dmc::test::read_available(fd);
  }
  return got;
}

}  // namespace

TEST_CASE("a client gone just after close_stdin still gets what it wrote to the process") {
  Env env;
  const std::string id = env.start({"/bin/cat"});
  auto out = make_pipe();
  Attachment reader = open(env, id, {.stdout_fd = out[1].get()});
  out[1].reset();
  auto in = make_pipe();
  {
    Attachment writer = open(env, id, {.stdin_fd = in[0].get(), .stdin_eof_closes = false});
    in[0].reset();
    put_all(in[1].get(), "written before the end\n");
    REQUIRE(writer.close_stdin());
  }  // gone before its write end closed
  REQUIRE(exit_of(reader) == 0);
  CHECK(dmc::test::read_all(out[0].get()) == "written before the end\n");
}

TEST_CASE("EOF on a detaching stdin leaves the process's stdin to the next client") {
  Env env;
  const std::string id = env.start(shell("cat; echo cat-ended"));
  auto out = make_pipe();
  Attachment reader = open(env, id, {.stdout_fd = out[1].get()});
  out[1].reset();
  for (bool eof_closes : {false, true}) {
    auto in = make_pipe();
    Attachment a = open(env, id, {.stdin_fd = in[0].get(), .stdin_eof_closes = eof_closes});
    in[0].reset();
    put_all(in[1].get(), eof_closes ? "two\n" : "one\n");
    in[1].reset();
    if (!eof_closes) CHECK(read_until(out[0].get(), "one\n") == "one\n");
    else REQUIRE(exit_of(a) == 0);
  }
  REQUIRE(exit_of(reader) == 0);
  CHECK(dmc::test::read_all(out[0].get()) == "two\ncat-ended\n");
}

TEST_CASE("a shim whose output nobody takes leaves after a linger, and a later attach gets it once") {
  Env env;
  const std::string id = env.start(shell("printf o; printf e >&2; exit 2"));
  REQUIRE(eventually([&] { return env.exited(id); }));
  const int shim = env.shim_pid(id);
  auto out = make_pipe();
  Attachment stdout_only = open(env, id, {.stdout_fd = out[1].get()});
  out[1].reset();
  REQUIRE(exit_of(stdout_only) == 2);
  CHECK(dmc::test::read_all(out[0].get()) == "o");

  // Nobody comes for stderr: the shim goes, and leaves it in the spool.
  CHECK(eventually([&] { return !dmc::test::process_alive(shim); }));
  CHECK_FALSE(dmc::test::exists(env.file(id, names::kShimSocket)));
  CHECK(dmc::test::exists(env.file(id, names::kStderrSpool)));
  CHECK_FALSE(dmc::test::exists(env.file(id, names::kDelivered)));

  for (const char* want_err : {"e", ""}) {
    auto o = make_pipe();
    auto e = make_pipe();
    Attachment later = open(env, id, {.stdout_fd = o[1].get(), .stderr_fd = e[1].get()});
    o[1].reset();
    e[1].reset();
    REQUIRE(exit_of(later) == 2);
    CHECK(dmc::test::read_all(o[0].get()) == "");
    CHECK(dmc::test::read_all(e[0].get()) == want_err);
    CHECK(dmc::test::exists(env.file(id, names::kDelivered)));
  }
}
