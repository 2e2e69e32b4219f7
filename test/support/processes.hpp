// Processes a test starts in a container and waits for, and what a stop or
// a pause leaves behind: shared by the pause, stop, stats and fault tests.
// Header-only, like faults_checks.hpp.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

namespace dmc::test {

// A path of the container's rootfs, as the host sees it.
inline std::string in_rootfs(DmcEnv& env, const std::string& handle, const std::string& path) {
  return env.depot() + "/" + handle + "/rootfs" + path;
}

// Runs `/bin/sh -c script` detached as process id, and returns once the
// script has made marker (a path in the container): what the script sets
// up before it (a trap, a file) is then in place.
inline void run_until_marked(DmcEnv& env, const std::string& handle, const std::string& id,
                             const std::string& script, const std::string& marker) {
  auto r = env.dmc({"run", handle, "--detach", "--id", id, "--", "/bin/sh", "-c", script});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE(eventually([&] { return path_exists(in_rootfs(env, handle, marker)); }));
}

// The container's pids cgroup.procs, "" when it cannot be read.
inline std::string procs_of(const std::string& handle) {
  return cgroup_file("pids", handle, "cgroup.procs");
}

// What a finished stop leaves: the init alone in the container's cgroup,
// and info saying "stopped".
inline void check_stopped(DmcEnv& env, const std::string& handle, int init) {
  CHECK(procs_of(handle) == std::to_string(init) + "\n");
  CHECK(faults::info_of(env, handle).state == "stopped");
}

// The container's v1 freezer state: "THAWED\n", "FREEZING\n" or "FROZEN\n".
inline std::string freezer_state(const std::string& handle) {
  return cgroup_file("freezer", handle, "freezer.state");
}

// The container takes a new process: it runs, and its output comes back.
inline void check_runs(DmcEnv& env, const std::string& handle) {
  auto r = env.dmc({"run", handle, "--", "/bin/echo", "alive"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == "alive\n");
}

// Reads what is in fd now, without waiting.
inline std::string read_ready(int fd) {
  std::string out;
  char buf[4096];
  pollfd p{.fd = fd, .events = POLLIN, .revents = 0};
  while (::poll(&p, 1, 0) == 1) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace dmc::test
