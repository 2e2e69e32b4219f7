// Groups through a container's life: dmc stop, pause and resume, metrics
// and destroy treat the processes of its groups as its own, and leave no
// process and no cgroup directory of them behind.
#include <signal.h>

#include <doctest/doctest.h>

#include "support/groups.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::groups;

namespace {

std::string freezer_state(const std::string& handle, const std::string& group) {
  return read_file("/sys/fs/cgroup/freezer/dmc/" + handle + "/" + group + "/freezer.state")
      .value_or("?");
}

}  // namespace

TEST_CASE("groups: dmc stop ends the processes of every group and keeps the init") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  const int init = env.init_pid(h);
  run_in_group(env, h, "web", "web", tree_script("web", "trap \"\" TERM;"));
  run_in_group(env, h, "db", "db", tree_script("db", ""));
  auto web = settled_members(engine, h, "web", kTree);
  auto db = settled_members(engine, h, "db", kTree);

  auto stopped = env.dmc({"stop", h, "--grace", "200ms"});
  CHECK_MESSAGE(stopped.code == 0, stopped.err);
  CHECK(engine->group_members(h, "web").value_or(web).empty());
  CHECK(engine->group_members(h, "db").value_or(db).empty());
  CHECK(env.dmc({"attach", h, "web"}).code == 137);  // ignored TERM: killed
  CHECK(env.dmc({"attach", h, "db"}).code == 143);   // ended by TERM
  for (const auto& dir : cgroup_dirs("/dmc/" + h)) {
    CAPTURE(dir);
    CHECK(procs_in(dir) == std::vector<int>{init});
  }
  CHECK(process_alive(init));
}

TEST_CASE("groups: pause freezes the processes of groups, resume thaws them") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  run_in_group(env, h, "web", "web", tree_script("web", "trap \": > /$$-got-term; exit 0\" TERM;"));
  auto members = settled_members(engine, h, "web", kTree);
  REQUIRE(env.dmc({"pause", h}).code == 0);
  CHECK(freezer_state(h, "web") == "FROZEN\n");
  // A frozen process does not die: kill_group refuses at once.
  auto killed = engine->kill_group(h, "web");
  REQUIRE_FALSE(killed);
  CHECK(killed.error().kind == ErrorKind::ContainerNotRunning);
  // A signal waits, and is delivered on resume.
  REQUIRE(engine->signal_group(h, "web", SIGTERM));
  CHECK(engine->group_members(h, "web").value_or(std::vector<int>{}) == members);
  REQUIRE(env.dmc({"resume", h}).code == 0);
  CHECK(freezer_state(h, "web") == "THAWED\n");
  CHECK(eventually([&] { return engine->group_members(h, "web").value_or(members).empty(); }));
  CHECK(env.dmc({"attach", h, "web"}).code == 0);
}

TEST_CASE("groups: metrics count the processes of groups") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  auto alone = engine->metrics(h);
  REQUIRE(alone);
  CHECK(alone->pids.current == 1);  // the init
  run_in_group(env, h, "web", "web", tree_script("web", ""));
  settled_members(engine, h, "web", kTree);
  CHECK(eventually([&] {
    auto m = engine->metrics(h);
    return m && m->pids.current == 5;
  }));
  auto stats = env.dmc({"stats", h, "--no-stream", "--json"});
  CHECK_MESSAGE((stats.out.find("\"pids\":5,") != std::string::npos ||
                 stats.out.find("\"pids\": 5,") != std::string::npos),
                stats.out);
}

TEST_CASE("groups: destroy leaves no process and no cgroup directory, nested ones included") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  run_in_group(env, h, "web", "web", tree_script("web", "trap \"\" TERM;"));
  run_in_group(env, h, "db", "db", tree_script("db", ""));
  auto members = settled_members(engine, h, "web", kTree);
  auto db = settled_members(engine, h, "db", kTree);
  members.insert(members.end(), db.begin(), db.end());
  // A cgroup nested in a group, as a process of it may make.
  for (const auto& dir : cgroup_dirs("/dmc/" + h + "/web")) {
    REQUIRE(make_dirs(dir + "/nested"));
  }
  REQUIRE_FALSE(cgroup_dirs("/dmc/" + h + "/web/nested").empty());

  auto destroyed = env.dmc({"destroy", h});
  CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
  for (int pid : members) CHECK_FALSE(process_alive(pid));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
}

TEST_CASE("groups: a group left frozen (a kill_group killed half way) is thawed by stop and destroy") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  run_in_group(env, h, "web", "web", tree_script("web", ""));
  auto members = settled_members(engine, h, "web", kTree);
  const std::string state_file = "/sys/fs/cgroup/freezer/dmc/" + h + "/web/freezer.state";
  REQUIRE(run({"/bin/sh", "-c", "echo FROZEN > " + state_file}).code == 0);
  REQUIRE(eventually([&] { return freezer_state(h, "web") == "FROZEN\n"; }));

  auto stopped = env.dmc({"stop", h, "--grace", "100ms"});
  CHECK_MESSAGE(stopped.code == 0, stopped.err);
  CHECK(engine->group_members(h, "web").value_or(members).empty());
  CHECK(freezer_state(h, "web") == "THAWED\n");

  run_in_group(env, h, "web", "again", tree_script("again", ""));
  members = settled_members(engine, h, "web", kTree);
  REQUIRE(run({"/bin/sh", "-c", "echo FROZEN > " + state_file}).code == 0);
  REQUIRE(eventually([&] { return freezer_state(h, "web") == "FROZEN\n"; }));
  auto destroyed = env.dmc({"destroy", h});
  CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
  for (int pid : members) CHECK_FALSE(process_alive(pid));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
}
