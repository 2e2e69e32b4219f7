// Attachments, as a server drives them (process_tracker/attachment.hpp), to
// processes that `dmc run --detach` started on the real runtime: separate
// stdout and stderr clients, stdin that a disconnect does not close,
// signals, resizes, and an fd to poll for the exit.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "process_tracker/tracker.hpp"
#include "support/attachment_env.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using process_tracker::Attachment;
using process_tracker::StreamFds;

namespace {

using Env = AttachEnv;

std::array<UniqueFd, 2> socket_pair() {
  int s[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, s) == 0);
  return {UniqueFd(s[0]), UniqueFd(s[1])};
}

void touch(Env& env, const std::string& path) {
  REQUIRE(env.dmc.exec(env.handle, {"/bin/touch", path}).code == 0);
}

}  // namespace

TEST_CASE("stdout-only and stderr-only attachments each get exactly their stream and the exit") {
  Env env;
  const auto id = env.run({}, {"/bin/sh", "-c",
                               "printf early-out; printf early-err >&2; "
                               "while [ ! -e /tmp/go ]; do sleep 0.05; done; "
                               "printf late-out; printf late-err >&2; exit 3"});
  // As a server's client connections: sockets, opened separately.
  auto out = socket_pair();
  auto err = socket_pair();
  Attachment stdout_only = env.open(id, {.stdout_fd = out[1].get()});
  Attachment stderr_only = env.open(id, {.stderr_fd = err[1].get()});
  out[1].reset();
  err[1].reset();
  touch(env, "/tmp/go");
  REQUIRE(exit_of(stdout_only) == 3);
  REQUIRE(exit_of(stderr_only) == 3);
  // The shim let go of its copies: EOF after exactly each stream's bytes.
  CHECK(read_all(out[0].get()) == "early-outlate-out");
  CHECK(read_all(err[0].get()) == "early-errlate-err");
}

TEST_CASE("output written before any attachment reaches the first of its stream, once") {
  Env env;
  const auto id = env.run({}, {"/bin/sh", "-c", "printf out; printf err >&2; exit 4"});
  REQUIRE(eventually([&] { return read_file(env.file(id, "exit_status")).has_value(); }));
  auto first_out = make_pipe();
  Attachment a = env.open(id, {.stdout_fd = first_out[1].get()});
  first_out[1].reset();
  REQUIRE(exit_of(a) == 4);
  CHECK(read_all(first_out[0].get()) == "out");

  auto both = std::array{make_pipe(), make_pipe()};
  Attachment b = env.open(id, {.stdout_fd = both[0][1].get(), .stderr_fd = both[1][1].get()});
  both[0][1].reset();
  both[1][1].reset();
  REQUIRE(exit_or_reopen(env, b, id) == 4);
  CHECK(read_all(both[0][0].get()) == "");  // the first one had it
  CHECK(read_all(both[1][0].get()) == "err");

  auto again = std::array{make_pipe(), make_pipe()};
  Attachment c = env.open(id, {.stdout_fd = again[0][1].get(), .stderr_fd = again[1][1].get()});
  again[0][1].reset();
  again[1][1].reset();
  REQUIRE(exit_or_reopen(env, c, id) == 4);
  CHECK(read_all(again[0][0].get()) == "");
  CHECK(read_all(again[1][0].get()) == "");
}

TEST_CASE("a detaching stdin does not end cat, and close_stdin does after every byte") {
  Env env;
  const auto id = env.run({}, {"/bin/cat"});
  auto out = make_pipe();
  auto in1 = make_pipe();
  Attachment first = env.open(id, {.stdin_fd = in1[0].get(), .stdout_fd = out[1].get(),
                                   .stdin_eof_closes = false});
  out[1].reset();
  in1[0].reset();
  REQUIRE(write_all(in1[1].get(), "one\n"));
  in1[1].reset();  // the client went away: no EOF for cat
  CHECK(read_until(out[0].get(), "one\n") == "one\n");

  // A second client feeds the same cat, which is still there to read it.
  auto in2 = make_pipe();
  Attachment second = env.open(id, {.stdin_fd = in2[0].get(), .stdin_eof_closes = false});
  in2[0].reset();
  REQUIRE(write_all(in2[1].get(), "two\n"));
  CHECK(read_until(out[0].get(), "two\n") == "two\n");
  auto not_yet = first.exit_status();
  REQUIRE(not_yet);
  CHECK_FALSE(*not_yet);

  // What is already in the pipe when stdin is closed still reaches cat.
  REQUIRE(write_all(in2[1].get(), "three\n"));
  REQUIRE(second.close_stdin());
  in2[1].reset();
  REQUIRE(exit_of(second) == 0);
  REQUIRE(exit_of(first) == 0);
  CHECK(read_all(out[0].get()) == "three\n");
}

TEST_CASE("signal through an attachment ends the process with 128 plus the signal") {
  Env env;
  for (auto [sig, code] : {std::pair{SIGKILL, 137}, std::pair{SIGTERM, 143}}) {
    CAPTURE(sig);
    const auto id = env.run({}, {"/bin/sleep", "1000"});
    Attachment a = env.open(id, {});  // no streams: only the exit
    auto running = a.exit_status();
    REQUIRE(running);
    CHECK_FALSE(*running);
    CHECK_FALSE(readable(a.fd(), 0));
    REQUIRE(a.signal(sig));
    REQUIRE(exit_of(a) == code);
    CHECK(readable(a.fd(), 5000));  // the answer stays (the shim closes the socket)
    REQUIRE(exit_of(a) == code);
  }
}

TEST_CASE("resize through an attachment reaches a tty process, whose stderr stream is empty") {
  Env env;
  const auto id = env.run({"--tty"}, {"/bin/sh", "-c",
                                      "trap 'stty size; exit 5' WINCH; echo ready; "
                                      "while :; do sleep 0.05; done"});
  auto out = make_pipe();
  auto err = make_pipe();
  Attachment a = env.open(id, {.stdout_fd = out[1].get()});
  Attachment e = env.open(id, {.stderr_fd = err[1].get()});
  out[1].reset();
  err[1].reset();
  CHECK(read_until(out[0].get(), "ready\r\n") == "ready\r\n");
  REQUIRE(a.resize(120, 40));
  REQUIRE(exit_of(a) == 5);
  REQUIRE(exit_of(e) == 5);
  CHECK(read_all(out[0].get()) == "40 120\r\n");
  CHECK(read_all(err[0].get()) == "");
}

TEST_CASE("an attachment to a process whose shim is gone tells the record's status at once") {
  Env env;
  const auto id = env.run({}, {"/bin/sh", "-c", "printf spooled; exit 6"});
  REQUIRE(eventually([&] { return read_file(env.file(id, "exit_status")).has_value(); }));
  const int shim = std::atoi(read_file(env.file(id, "shim.pid")).value_or("0").c_str());
  REQUIRE(shim > 0);
  REQUIRE(::kill(shim, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(shim); }));

  auto out = make_pipe();
  Attachment a = env.open(id, {.stdout_fd = out[1].get()});
  out[1].reset();
  CHECK(read_all(out[0].get()) == "spooled");
  CHECK(readable(a.fd(), 0));
  auto status = a.exit_status();
  REQUIRE_MESSAGE(status, status.error().message);
  CHECK(*status == 6);
}

TEST_CASE("open_attachment names an unknown process") {
  Env env;
  auto a = env.tracker.open_attachment(env.processes(), "nope", {});
  REQUIRE_FALSE(a);
  CHECK(a.error().kind == ErrorKind::ProcessNotFound);
  CHECK(a.error().message == "unknown process: nope");
}
