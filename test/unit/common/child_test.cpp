#include <doctest/doctest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.hpp"
#include "common/unique_fd.hpp"

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

TEST_CASE("a detached child is in its own session and is not ours to reap") {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd read_end(p[0]), write_end(p[1]);
  // It lives until we close the pipe's other end.
  auto pid = spawn_detached({.argv = {"/bin/sh", "-c", "read x"}, .stdin_fd = read_end.get()});
  REQUIRE(pid);
  CHECK(*pid > 0);
  int status = 0;
  CHECK(::waitpid(*pid, &status, WNOHANG) < 0);
  CHECK(errno == ECHILD);
  CHECK(::getsid(*pid) != ::getsid(0));
  CHECK(::getsid(*pid) != *pid);  // not the session's leader: it never gets a tty
  write_end.reset();
  read_end.reset();
}

TEST_CASE("a detached program that cannot be executed is an error") {
  auto pid = spawn_detached({.argv = {"/nonexistent/program"}});
  REQUIRE_FALSE(pid);
  CHECK(pid.error().kind == ErrorKind::NotFound);
  CHECK(pid.error().message == "/nonexistent/program: No such file or directory");
}

TEST_CASE("program_fd runs that file, argv[0] being only the name it is given") {
  UniqueFd sh(::open("/bin/sh", O_RDONLY | O_CLOEXEC));
  REQUIRE(sh);
  auto out = run_child({.argv = {"no-such-path", "-c", "echo $0"}, .program_fd = sh.get()});
  REQUIRE_MESSAGE(out, out.error().message);
  CHECK(out->out == "no-such-path\n");
  CHECK(out->exit.code == 0);
}

TEST_CASE("a program_fd the kernel will not execute falls back to argv[0] by its path") {
  UniqueFd text(::open("/etc/passwd", O_RDONLY | O_CLOEXEC));
  REQUIRE(text);
  auto out = run_child({.argv = {"/bin/echo", "by path"}, .program_fd = text.get()});
  REQUIRE_MESSAGE(out, out.error().message);
  CHECK(out->out == "by path\n");
}

TEST_CASE("inherit_fds stay open in the child under their numbers, and no other fd does") {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd read_end(p[0]), write_end(p[1]);
  UniqueFd other(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  REQUIRE(other);
  std::string script = fmt::format("echo kept >&{}; test -e /proc/self/fd/{} && echo leaked",
                                   write_end.get(), other.get());
  auto out = run_child({.argv = {"/bin/bash", "-c", script}, .inherit_fds = {write_end.get()}});
  REQUIRE(out);
  CHECK(out->out == "");
  write_end.reset();
  char buf[16] = {};
  CHECK(::read(read_end.get(), buf, sizeof buf) == 5);
  CHECK(std::string(buf) == "kept\n");
  // Ours are untouched: still close-on-exec.
  CHECK(::fcntl(other.get(), F_GETFD) == FD_CLOEXEC);

  auto stdio = run_child({.argv = {"/bin/true"}, .inherit_fds = {1}});
  REQUIRE_FALSE(stdio);
  CHECK(stdio.error().kind == ErrorKind::Invalid);
}
