// Seccomp as a user sees it: unprivileged containers run under a filter that
// refuses namespace creation and the like; privileged ones run under none;
// ordinary work goes on as before.
#include <pty.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// The Seccomp line of /proc/self/status, as a process in the container sees it.
std::string seccomp_line(DmcEnv& env, const std::string& handle) {
  auto r = env.dmc({"run", handle, "--", "/bin/grep", "^Seccomp:", "/proc/self/status"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return r.out;
}

std::string status_of(int pid) {
  return read_file("/proc/" + std::to_string(pid) + "/status").value_or("");
}

}  // namespace

TEST_CASE("a process in an unprivileged container runs under a seccomp filter") {
  DmcEnv env;
  auto h = env.create();
  CHECK(seccomp_line(env, h) == "Seccomp:\t2\n");
  auto exec = env.exec(h, {"/bin/grep", "^Seccomp:", "/proc/self/status"});
  CHECK(exec.out == "Seccomp:\t2\n");
  CHECK(status_of(env.init_pid(h)).find("\nSeccomp:\t2\n") != std::string::npos);
}

TEST_CASE("an unprivileged container cannot make namespaces: Operation not permitted") {
  DmcEnv env;
  auto h = env.create();
  // -r asks for a user namespace too, in which the others would be allowed
  // without the filter.
  for (const char* flag : {"--user", "--mount", "--net", "--pid", "--uts", "--ipc"}) {
    auto r = env.dmc({"run", h, "--", "/usr/bin/unshare", flag, "-r", "true"});
    CHECK_MESSAGE(r.code != 0, flag);
    CHECK_MESSAGE(r.err.find("Operation not permitted") != std::string::npos, flag, ": ", r.err);
  }
}

TEST_CASE("a privileged container runs under no seccomp filter") {
  DmcEnv env;
  auto h = env.create({"--privileged"});
  CHECK(seccomp_line(env, h) == "Seccomp:\t0\n");
  CHECK(status_of(env.init_pid(h)).find("\nSeccomp:\t0\n") != std::string::npos);
  auto r = env.dmc({"run", h, "--", "/usr/bin/unshare", "--user", "-r", "/usr/bin/id", "-u"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == "0\n");
}

TEST_CASE("ordinary work runs under the filter: shell, files, children, streams") {
  DmcEnv env;
  auto h = env.create();
  auto r = env.dmc({"run", h, "--", "/bin/sh", "-c",
                    "ls / >/dev/null && echo hello >/tmp/f && cat /tmp/f || exit 1\n"
                    "(sleep 0.01 &); sleep 0.01 & wait $! || exit 2\n"
                    "chmod 600 /tmp/f && mkdir -p /tmp/d && mv /tmp/f /tmp/d/g || exit 3\n"
                    "stat -c %a /tmp/d/g && date +%Y >/dev/null && id -u"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == "hello\n600\n0\n");
  TempDir host;
  write_text(host / "note", "in\n");
  auto in = env.dmc({"stream-in", h, "--dest", "/srv"},
                    run({"tar", "-C", host.path(), "-cf", "-", "note"}).out);
  CHECK_MESSAGE(in.code == 0, in.err);
  CHECK(env.dmc({"run", h, "--", "/bin/cat", "/srv/note"}).out == "in\n");
  auto out = env.dmc({"stream-out", h, "--src", "/tmp/d/g"});
  REQUIRE_MESSAGE(out.code == 0, out.err);
  CHECK(run({"tar", "-xOf", "-"}, out.out).out == "hello\n");
}

TEST_CASE("a tty process runs under the filter") {
  DmcEnv env;
  auto h = env.create();
  int master = -1, slave = -1;
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, nullptr) == 0);
  UniqueFd master_fd(master), slave_fd(slave);
  auto child = spawn_child({.argv = env.dmc_argv({"run", h, "--tty", "--", "/bin/sh", "-c",
                                                  "test -t 0 && grep ^Seccomp: /proc/self/status"}),
                            .stdin_fd = slave, .stdout_fd = slave, .stderr_fd = slave});
  REQUIRE(child);
  slave_fd.reset();
  // Read before waiting: once the slave side is closed, the kernel may
  // report EIO before it has handed over the last bytes.
  std::string seen;
  char buf[4096];
  while (seen.find("\r\n") == std::string::npos) {
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    seen.append(buf, static_cast<size_t>(n));
  }
  CHECK(seen == "Seccomp:\t2\r\n");
  auto exit = child->wait();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}
