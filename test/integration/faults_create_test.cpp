// Promises under faults: `dmc create` killed at any moment, or raced.
// A container either shows in `dmc list` (and can be destroyed) or nothing
// of it is on the machine (issue 12, defects 4 and 5).
#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

// A normal create and destroy of a container, timed: the kills of a fault
// loop are spread over the time a create takes on this runtime and machine.
Ms time_of_create(DmcEnv& env) {
  auto h = env.handle("timed");
  Ms took = time_of([&] { REQUIRE(env.dmc({"create", "--handle", h}).code == 0); });
  check_destroy_leaves_nothing(env, h);
  return took;
}

std::string other_runtime(const std::string& runtime) {
  return runtime == "runc" ? "crun" : "runc";
}

// The argv of a dmc command on the env's depot and state root, made with
// another runtime than the env's.
std::vector<std::string> with_runtime(const DmcEnv& env, const std::string& runtime,
                                      const std::vector<std::string>& args) {
  auto argv = env.dmc_argv(args);
  auto flag = std::ranges::find(argv, "--runtime");
  REQUIRE(flag + 1 < argv.end());
  *(flag + 1) = runtime;
  return argv;
}

}  // namespace

TEST_CASE("faults: a create killed at any moment leaves a container that list shows or nothing") {
  DmcEnv env;
  Ms span = time_of_create(env);
  int landed = 0;  // kills that found the create still at work
  for (Ms delay : spread(span + span / 4, 10)) {
    auto h = env.handle("killed");
    INFO("create killed after " << delay.count() << " ms of " << span.count());
    auto killed = kill_after(env.dmc_argv({"create", "--handle", h}), delay);
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    landed += killed.finished_first ? 0 : 1;
    auto state = check_seen_truthfully(env, h);
    if (killed.finished_first) CHECK(state == "running");
    if (!state.empty()) check_destroy_leaves_nothing(env, h);
  }
  CHECK(landed > 0);
}

TEST_CASE("faults: a create killed early is cleaned with its own runtime when another create runs") {
  DmcEnv env;
  const std::string other = other_runtime(env.runtime());
  Ms span = time_of_create(env);
  for (Ms delay : spread(span / 2, 4)) {
    auto killed_handle = env.handle("early");
    INFO("create on " << env.runtime() << " killed after " << delay.count() << " ms");
    kill_after(env.dmc_argv({"create", "--handle", killed_handle}), delay);
    // A create on the other runtime meets the leftover of the killed one.
    auto next = env.handle("next");
    auto made = run(with_runtime(env, other, {"create", "--handle", next}));
    CHECK_MESSAGE(made.code == 0, "create on " << other << ": " << made.err);
    auto state = check_seen_truthfully(env, killed_handle);
    if (!state.empty()) check_destroy_leaves_nothing(env, killed_handle);
    if (made.code == 0) {
      CHECK(check_seen_truthfully(env, next) == "running");
      check_destroy_leaves_nothing(env, next);
    }
  }
}

TEST_CASE("faults: two creates of one handle at once: exactly one wins and the other says in use") {
  DmcEnv env;
  for (int round = 0; round < 3; ++round) {
    auto h = env.handle("twin");
    INFO("round " << round);
    Background first(env.dmc_argv({"create", "--handle", h}));
    Background second(env.dmc_argv({"create", "--handle", h}));
    int wins = 0;
    for (const auto& r : {first.wait(), second.wait()}) {
      if (r.code == 0) {
        ++wins;
        CHECK(r.out == h + "\n");
      } else {
        CHECK(r.code == 1);
        CHECK(r.err == "dmc: handle '" + h + "' already in use\n");
      }
    }
    CHECK(wins == 1);
    CHECK(check_seen_truthfully(env, h) == "running");
    check_destroy_leaves_nothing(env, h);
  }
}

// Each step of a create leaves a mark on the machine: the kill comes the
// moment it appears.
TEST_CASE("faults: a create killed at each of its steps leaves a container that list shows or nothing") {
  DmcEnv env;
  auto depot_has = [&](const std::string& prefix) {
    return !entries_named(env.depot(), prefix).empty();
  };
  const std::vector<std::pair<std::string, std::function<bool(const std::string&)>>> steps = {
      {"a temporary dir", [&](const std::string& h) { return depot_has(".tmp-" + h); }},
      {"its depot dir", [&](const std::string& h) { return path_exists(env.depot() + "/" + h); }},
      {"its rootfs mount",
       [&](const std::string& h) { return !mounts_under(env.depot() + "/" + h).empty(); }},
      {"its cgroup", [&](const std::string& h) { return !cgroup_dirs("/dmc/" + h).empty(); }},
      {"its runtime state",
       [&](const std::string& h) { return path_exists(env.state_root() + "/" + h); }},
      {"its init.pid",
       [&](const std::string& h) { return path_exists(env.depot() + "/" + h + "/init.pid"); }},
  };
  for (const auto& [step, made] : steps) {
    auto h = env.handle("step");
    INFO("create killed once " << step << " exists");
    auto killed = kill_when(env.dmc_argv({"create", "--handle", h}), [&] { return made(h); });
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    auto state = check_seen_truthfully(env, h);
    if (!state.empty()) check_destroy_leaves_nothing(env, h);
  }
}
