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
#include "support/attachment_env.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using process_tracker::Attachment;
using process_tracker::StreamFds;

namespace {

constexpr uint32_t kToken = 0x5eed1234;

using Env = AttachEnv;

}  // namespace

TEST_CASE("a late stdout attachment with the token gets the output an earlier one already took") {
  Env env;
  const auto id = env.run({}, {"/bin/cat"});
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
  const auto id = env.run({}, {"/bin/sh", "-c", "read x; printf \"got-$x\"; printf \"err-$x\" >&2; exit 5"});
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
