// Groups: a process run with a group lives, with everything it forks, in a
// sub-cgroup of its container's cgroup, which the containerizer lists,
// signals, kills and removes as a whole (what a supervisor's STOP needs).
#include <signal.h>

#include <doctest/doctest.h>

#include "support/groups.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::groups;

TEST_CASE("groups: a process and its double-forked grandchild are in the group, in every hierarchy") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  const int init = env.init_pid(h);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "plain", "--", "/bin/sleep", "1000"}).code == 0);
  const int plain = pid_of(env, h, "plain");
  // The issue's own case: the shell ends as the last sleep.
  const int shell = run_in_group(env, h, "web", "svc",
                                 "(sleep 1000 &) ; touch /svc-ready; sleep 1000");

  auto members = settled_members(engine, h, "web", {"sleep", "sleep"});
  REQUIRE(members.size() == 2);
  CHECK(std::ranges::binary_search(members, shell));
  const int grandchild = members[0] == shell ? members[1] : members[0];
  CHECK(process_alive(grandchild));
  // The grandchild is not the shell's child any more: it double-forked.
  CHECK(parent_of_pid(grandchild) != shell);

  const auto container_dirs = cgroup_dirs("/dmc/" + h);
  const auto group_dirs = cgroup_dirs("/dmc/" + h + "/web");
  CHECK(group_dirs.size() == container_dirs.size());
  CHECK(std::ranges::find(group_dirs, "/sys/fs/cgroup/freezer/dmc/" + h + "/web") !=
        group_dirs.end());
  for (const auto& dir : group_dirs) {
    CAPTURE(dir);
    CHECK(procs_in(dir) == members);
  }
  // The init and a plain process stay in the container's own cgroup.
  auto own = procs_in("/sys/fs/cgroup/freezer/dmc/" + h);
  CHECK(std::ranges::binary_search(own, init));
  CHECK(std::ranges::binary_search(own, plain));
  CHECK_FALSE(std::ranges::binary_search(own, shell));

  auto listed = engine->processes(h);
  REQUIRE(listed);
  for (const auto& p : *listed) CHECK(p.group == (p.id == "svc" ? "web" : ""));
  auto json = env.dmc({"ps", h, "--json"});
  CHECK(json.out.find("\"id\": \"svc\"") != std::string::npos);
  CHECK(json.out.find("\"group\": \"web\"") != std::string::npos);
  CHECK(json.out.find("\"group\": null") != std::string::npos);  // plain
}

TEST_CASE("groups: signal_group reaches the whole tree and nothing outside it") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  const int init = env.init_pid(h);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "plain", "--", "/bin/sleep", "1000"}).code == 0);
  const int plain = pid_of(env, h, "plain");
  run_in_group(env, h, "web", "svc", tree_script("svc", "trap \": > /$$-got-term; exit 0\" TERM;"));
  auto members = settled_members(engine, h, "web", kTree);
  REQUIRE(members.size() == 4);

  auto sent = engine->signal_group(h, "web", SIGTERM);
  REQUIRE_MESSAGE(sent, sent.error().message);
  // Each trap names its own shell (its pid in the container): two files.
  std::string got;
  bool both = eventually([&] {
    got = env.dmc({"run", h, "--", "/bin/sh", "-c", "ls / | grep got-term"}).out;
    return std::count(got.begin(), got.end(), '\n') == 2;
  });
  CHECK_MESSAGE(both, got);
  CHECK(eventually([&] { return engine->group_members(h, "web").value_or(members).empty(); }));
  CHECK(env.dmc({"attach", h, "svc"}).code == 0);
  CHECK(process_alive(init));
  CHECK(process_alive(plain));
}

TEST_CASE("groups: kill_group ends a tree that ignores TERM, and only it") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  const int init = env.init_pid(h);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "plain", "--", "/bin/sleep", "1000"}).code == 0);
  const int plain = pid_of(env, h, "plain");
  run_in_group(env, h, "web", "svc", tree_script("svc", "trap \"\" TERM;"));
  auto members = settled_members(engine, h, "web", kTree);
  REQUIRE(members.size() == 4);

  auto killed = engine->kill_group(h, "web");
  REQUIRE_MESSAGE(killed, killed.error().message);
  auto left = engine->group_members(h, "web");
  REQUIRE(left);
  CHECK(left->empty());
  for (int pid : members) CHECK(eventually([&] { return !process_alive(pid); }));
  CHECK(env.dmc({"attach", h, "svc"}).code == 137);
  CHECK(process_alive(init));
  CHECK(process_alive(plain));
  // The group stays, thawed: a new process runs in it.
  CHECK(read_file("/sys/fs/cgroup/freezer/dmc/" + h + "/web/freezer.state").value_or("") ==
        "THAWED\n");
  auto again = env.dmc({"run", h, "--group", "web", "--", "/bin/echo", "again"});
  CHECK(again.out == "again\n");
}

TEST_CASE("groups: remove_group ends the tree and leaves no directory of it in any hierarchy") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  run_in_group(env, h, "web", "svc", tree_script("svc", "trap \"\" TERM;"));
  auto members = settled_members(engine, h, "web", kTree);
  REQUIRE(members.size() == 4);
  REQUIRE_FALSE(cgroup_dirs("/dmc/" + h + "/web").empty());

  auto removed = engine->remove_group(h, "web");
  REQUIRE_MESSAGE(removed, removed.error().message);
  CHECK(cgroup_dirs("/dmc/" + h + "/web").empty());
  CHECK_FALSE(cgroup_dirs("/dmc/" + h).empty());
  for (int pid : members) CHECK(eventually([&] { return !process_alive(pid); }));
  auto left = engine->group_members(h, "web");
  REQUIRE(left);
  CHECK(left->empty());
  CHECK(engine->remove_group(h, "web"));  // again: nothing to do
  // Made again by the next run in it.
  CHECK(env.dmc({"run", h, "--group", "web", "--", "/bin/echo", "back"}).out == "back\n");
}

TEST_CASE("groups: a group never made has no members, and an unknown container is not found") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  auto none = engine->group_members(h, "never");
  REQUIRE_MESSAGE(none, none.error().message);
  CHECK(none->empty());
  CHECK(engine->signal_group(h, "never", SIGTERM));
  CHECK(engine->kill_group(h, "never"));
  CHECK(cgroup_dirs("/dmc/" + h + "/never").empty());
  auto unknown = engine->group_members("no-such-container", "web");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::ContainerNotFound);
}

TEST_CASE("groups: bad group names are refused as invalid and change nothing") {
  DmcEnv env;
  Engine engine(env);
  auto h = env.create();
  const auto before = cgroup_dirs("/dmc/" + h);
  for (std::string bad : {"", ".", "..", "a/b", "../x", "web/../.."}) {
    CAPTURE(bad);
    auto run = env.dmc({"run", h, "--group", bad, "--", "/bin/true"});
    CHECK(run.code == 2);  // a wrong command line, as a bad --rlimit
    CHECK(run.err.starts_with("dmc: invalid group '"));
    auto members = engine->group_members(h, bad);
    REQUIRE_FALSE(members);
    CHECK(members.error().kind == ErrorKind::Invalid);
    for (auto result : {engine->signal_group(h, bad, SIGKILL), engine->kill_group(h, bad),
                        engine->remove_group(h, bad)}) {
      REQUIRE_FALSE(result);
      CHECK(result.error().kind == ErrorKind::Invalid);
    }
  }
  CHECK(env.dmc({"ps", h, "--json"}).out == "[]\n");
  CHECK(cgroup_dirs("/dmc/" + h) == before);
  for (const auto& dir : before) {
    CAPTURE(dir);
    CHECK(procs_in(dir) == std::vector<int>{env.init_pid(h)});
  }
}
