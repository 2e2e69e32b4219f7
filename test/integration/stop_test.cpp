// dmc stop (StopAll through the cgroup) and destroy with processes.
#include <signal.h>

#include <doctest/doctest.h>

#include "common/cgroup.hpp"
#include "common/fs.hpp"
#include "support/machine.hpp"
#include "support/processes.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// Runs a shell detached that sets its TERM trap, then says so in a file:
// a stop sent before the trap is set would find the default action.
void run_trapping(DmcEnv& env, const std::string& handle, const std::string& id,
                  const std::string& trap) {
  run_until_marked(env, handle, id, trap + "; touch /" + id + "-ready; while :; do sleep 0.05; done",
                   "/" + id + "-ready");
}

}  // namespace

TEST_CASE("stop: a process that traps TERM exits with its own code and the init survives") {
  DmcEnv env;
  auto h = env.create();
  int init = env.init_pid(h);
  run_trapping(env, h, "trapper", "trap 'exit 3' TERM");
  auto stopped = env.dmc({"stop", h});
  CHECK(stopped.code == 0);
  CHECK(stopped.err == "");
  CHECK(env.dmc({"attach", h, "trapper"}).code == 3);
  CHECK(process_alive(init));
  check_stopped(env, h, init);
}

TEST_CASE("stop: a process that ignores TERM is killed when the grace period ends") {
  DmcEnv env;
  auto h = env.create();
  run_trapping(env, h, "stubborn", "trap '' TERM");
  CHECK(env.dmc({"stop", h, "--grace", "300ms"}).code == 0);
  CHECK(env.dmc({"attach", h, "stubborn"}).code == 137);
  check_stopped(env, h, env.init_pid(h));
}

TEST_CASE("stop: a process forking in a loop is stopped too") {
  DmcEnv env;
  auto h = env.create({"--pids", "300"});
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "forker", "--", "/bin/sh", "-c",
                   "while :; do sleep 10 & done"}).code == 0);
  REQUIRE(eventually([&] { return procs_of(h).size() > 40; }));
  CHECK(env.dmc({"stop", h, "--grace", "200ms"}).code == 0);
  check_stopped(env, h, env.init_pid(h));
}

TEST_CASE("stop --kill sends KILL at once") {
  DmcEnv env;
  auto h = env.create();
  run_trapping(env, h, "trapper", "trap 'exit 3' TERM");
  CHECK(env.dmc({"stop", h, "--kill"}).code == 0);
  CHECK(env.dmc({"attach", h, "trapper"}).code == 137);
  CHECK(process_alive(env.init_pid(h)));
}

TEST_CASE("processes still run in a stopped container") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"stop", h}).code == 0);
  check_runs(env, h);
}

TEST_CASE("destroy with running and finished processes leaves no shim, process or spool") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "running", "--", "/bin/sleep", "1000"}).code == 0);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "unread", "--", "/bin/echo", "nobody reads me"}).code == 0);
  REQUIRE(env.dmc({"run", h, "--id", "finished", "--", "/bin/true"}).code == 0);
  auto dir = env.depot() + "/" + h + "/processes/";
  std::vector<int> pids;
  for (auto id : {"running", "unread"}) {
    pids.push_back(std::atoi(read_file(dir + id + "/shim.pid").value_or("0").c_str()));
    pids.push_back(std::atoi(read_file(dir + id + "/pid").value_or("0").c_str()));
  }
  REQUIRE(eventually([&] { return path_exists(dir + "unread/exit_status"); }));
  for (int pid : pids) REQUIRE(pid > 0);
  CHECK(process_alive(pids[0]));  // the shim of the running process
  CHECK(process_alive(pids[2]));  // the shim keeping unread output

  CHECK(env.dmc({"destroy", h}).code == 0);
  for (int pid : pids) CHECK_FALSE(process_alive(pid));
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK(mounts_under(env.depot()).empty());
}
