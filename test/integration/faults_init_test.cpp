// Promises under faults: a container whose init died, alone or in a
// simulated reboot (issue 12, defect 8). dmc reports it dead, never
// running; it refuses to enter it with a clear error; destroy finishes it.
#include <signal.h>
#include <sys/mount.h>

#include <doctest/doctest.h>

#include "common/cgroup.hpp"
#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

// A container with a running process and a finished one; returns the
// container's init, processes and shims as the test saw them, named for good.
std::vector<Seen> start_processes(DmcEnv& env, const std::string& h) {
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "sleeper", "--", "/bin/sleep", "1000"}).code == 0);
  REQUIRE(env.dmc({"run", h, "--id", "done", "--", "/bin/true"}).code == 0);
  std::vector<int> pids = processes_of(h);
  for (const auto& p : ps_of(env, h)) pids.push_back(p.pid);
  return seen_of(h, pids);
}

// The container's init from `dmc info`, proven by its command line and cgroup.
int proven_init(DmcEnv& env, const std::string& h) {
  auto info = info_of(env, h);
  REQUIRE(info.code == 0);
  REQUIRE(is_init_of(info.init_pid, h));
  return info.init_pid;
}

void kill_and_wait(const std::vector<int>& pids) {
  for (int pid : pids) ::kill(pid, SIGKILL);
  for (int pid : pids) REQUIRE(eventually([&] { return !process_alive(pid); }));
}

// ps settles once the shims have seen their processes die with the init.
void wait_until_ps_settles(DmcEnv& env, const std::string& h) {
  eventually([&] {
    auto procs = ps_of(env, h);
    return std::ranges::none_of(procs, [](const Proc& p) {
      return p.state == "running" && !process_alive(p.pid);
    });
  });
}

std::string small_tar() {
  TempDir dir;
  write_text(dir / "file", "data\n");
  auto tar = run({"tar", "-C", dir.path(), "-cf", "-", "file"});
  REQUIRE(tar.code == 0);
  return tar.out;
}

// Every way into a container that is not running fails with a clear error
// and does nothing.
void check_not_entered(DmcEnv& env, const std::string& h) {
  auto in = env.dmc({"stream-in", h, "--dest", "/streamed"}, small_tar());
  CHECK_MESSAGE(is_clear_failure(in), "stream-in: " << in.code << " " << in.err);
  auto out = env.dmc({"stream-out", h, "--src", "/etc"});
  CHECK_MESSAGE(is_clear_failure(out), "stream-out: " << out.code << " " << out.err);
  CHECK(out.out.empty());
  auto ran = env.dmc({"run", h, "--", "/bin/echo", "hi"});
  CHECK_MESSAGE(is_clear_failure(ran), "run: " << ran.code << " " << ran.err);
  CHECK(ran.out.empty());
  auto detached = env.dmc({"run", h, "--detach", "--id", "late", "--", "/bin/true"});
  CHECK_MESSAGE(is_clear_failure(detached), "run --detach: " << detached.code << " " << detached.err);
}

}  // namespace

TEST_CASE("faults: a container whose init was killed is dead and refuses to be entered") {
  DmcEnv env;
  auto h = env.create();
  auto seen = start_processes(env, h);
  kill_and_wait({proven_init(env, h)});
  wait_until_ps_settles(env, h);
  CHECK(check_seen_truthfully(env, h) == "dead");
  check_not_entered(env, h);
  check_destroy_leaves_nothing(env, h, seen);
}

// A reboot takes every process, mount, cgroup and file under /run; the depot
// stays.
TEST_CASE("faults: after a simulated reboot a container is listed dead and destroys cleanly") {
  DmcEnv env;
  auto h = env.create();
  auto seen = start_processes(env, h);
  proven_init(env, h);
  kill_and_wait(processes_of(h));
  REQUIRE(::umount2((env.depot() + "/" + h + "/rootfs").c_str(), MNT_DETACH) == 0);
  for (const auto& state : entries_named(env.state_root(), h)) REQUIRE(remove_tree(state));
  REQUIRE(remove_tree(env.state_root() + "-logs"));
  auto hierarchies = cgroup::hierarchies();
  REQUIRE(hierarchies);
  REQUIRE(cgroup::remove(*hierarchies, "/dmc/" + h));
  REQUIRE(remains_of(env, h) == std::vector<std::string>{"depot entry " + env.depot() + "/" + h});

  CHECK(check_seen_truthfully(env, h) == "dead");
  for (const auto& p : ps_of(env, h)) CHECK_MESSAGE(p.state != "running", p.id);
  check_not_entered(env, h);
  check_destroy_leaves_nothing(env, h, seen);
}
