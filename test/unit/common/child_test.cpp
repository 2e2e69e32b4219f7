#include <doctest/doctest.h>

#include "common/child.hpp"

using namespace dmc;

TEST_CASE("run_child captures stdout and stderr apart and the exit code") {
  auto out = run_child({.argv = {"/bin/sh", "-c", "echo out; echo err >&2; exit 42"}});
  REQUIRE(out);
  CHECK(out->out == "out\n");
  CHECK(out->err == "err\n");
  CHECK(out->exit.code == 42);
  CHECK_FALSE(out->exit.signaled);
}

TEST_CASE("a child killed by a signal exits 128+N") {
  auto out = run_child({.argv = {"/bin/sh", "-c", "kill -TERM $$"}});
  REQUIRE(out);
  CHECK(out->exit.code == 143);
  CHECK(out->exit.signaled);
}

TEST_CASE("a program that cannot be executed is an error, not exit 127") {
  auto out = run_child({.argv = {"/nonexistent/program"}});
  REQUIRE_FALSE(out);
  CHECK(out.error().kind == ErrorKind::NotFound);
  CHECK(out.error().message == "/nonexistent/program: No such file or directory");
}

TEST_CASE("env replaces the environment when given") {
  auto out = run_child({.argv = {"/bin/sh", "-c", "echo $ONLY"}, .env = {{"ONLY=yes"}}});
  REQUIRE(out);
  CHECK(out->out == "yes\n");
}

TEST_CASE("pre_exec runs in the child and its errno fails the start") {
  auto out = run_child({.argv = {"/bin/true"}, .pre_exec = [] { return EPERM; }});
  REQUIRE_FALSE(out);
  CHECK(out.error().err == EPERM);
}
