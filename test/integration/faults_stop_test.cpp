// Promises under faults: `dmc stop` killed during its grace period or while
// it kills (issue 12, defect 7). Nothing paused the container on purpose, so
// it is never left frozen for good: info tells the truth, run starts a new
// process, and destroy succeeds.
#include <fcntl.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"
#include "support/processes.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

std::string freezer_file(const std::string& handle) {
  return "/sys/fs/cgroup/freezer/dmc/" + handle + "/freezer.state";
}

// Thaws, at the end of a test, the containers a failing dmc left frozen: a
// frozen process takes no SIGKILL, and DmcEnv's cleanup could not end it.
struct ThawAtExit {
  std::vector<std::string> handles;
  ~ThawAtExit() {
    for (const auto& h : handles) {
      UniqueFd fd(::open(freezer_file(h).c_str(), O_WRONLY | O_CLOEXEC));
      if (fd) (void)!::write(fd.get(), "THAWED", 6);
    }
  }
};

// A container with a process that ignores TERM, so that a stop uses its
// whole grace period. The process says when its trap is set.
std::string container_with_stubborn_process(DmcEnv& env) {
  auto h = env.create();
  run_until_marked(env, h, "stubborn", "trap '' TERM; touch /ready; while :; do sleep 0.05; done",
                   "/ready");
  return h;
}

// What a user does after a fault: info and ps tell the truth, a new process
// runs (the container is not left paused), and the cgroup is thawed.
void check_runs_and_thawed(DmcEnv& env, const std::string& h) {
  auto state = check_seen_truthfully(env, h);
  CHECK((state == "running" || state == "stopped"));
  check_runs(env, h);
  CHECK(freezer_state(h) == "THAWED\n");
}

// Kills `stop args...` at each delay, each time on a new container; every
// other one is destroyed straight away (frozen or not), the others are
// first used as a user would.
void kill_stops(DmcEnv& env, const std::vector<std::string>& stop_args,
                const std::vector<Ms>& delays) {
  ThawAtExit thaw;
  int landed = 0;  // kills that found the stop still at work
  for (size_t i = 0; i < delays.size(); ++i) {
    auto h = container_with_stubborn_process(env);
    thaw.handles.push_back(h);
    INFO("stop killed after " << delays[i].count() << " ms");
    std::vector<std::string> args = {"stop", h};
    args.insert(args.end(), stop_args.begin(), stop_args.end());
    auto killed = kill_after(env.dmc_argv(args), delays[i]);
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    landed += killed.finished_first ? 0 : 1;
    if (i % 2 == 0) check_runs_and_thawed(env, h);
    check_destroy_leaves_nothing(env, h, seen_of(h, {env.init_pid(h)}));
  }
  CHECK(landed > 0);
}

}  // namespace

TEST_CASE("faults: a stop killed during its grace period leaves a container that runs and destroys") {
  DmcEnv env;
  kill_stops(env, {"--grace", "5s"}, {Ms(0), Ms(20), Ms(60), Ms(150), Ms(300), Ms(600)});
}

TEST_CASE("faults: a stop --kill killed at any moment leaves a container that runs and destroys") {
  DmcEnv env;
  auto h = container_with_stubborn_process(env);
  Ms span = time_of([&] { REQUIRE(env.dmc({"stop", h, "--kill"}).code == 0); });
  check_destroy_leaves_nothing(env, h);
  kill_stops(env, {"--kill"}, spread(span + span / 4, 8));
}

// The kill comes the moment the stop has frozen the cgroup to kill its
// processes (if it freezes at all).
TEST_CASE("faults: a stop killed while it holds the container frozen leaves it running and destroyable") {
  DmcEnv env;
  ThawAtExit thaw;
  for (int round = 0; round < 2; ++round) {
    auto h = container_with_stubborn_process(env);
    thaw.handles.push_back(h);
    INFO("round " << round);
    auto killed = kill_when(env.dmc_argv({"stop", h, "--kill"}),
                            [&] { return freezer_state(h) == "FROZEN\n"; });
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    if (round == 0) check_runs_and_thawed(env, h);
    check_destroy_leaves_nothing(env, h, seen_of(h, {env.init_pid(h)}));
  }
}

// Exactly the state a stop leaves when it is killed between freezing the
// cgroup and thawing it, made without racing one.
TEST_CASE("faults: a container left frozen by a killed stop runs processes and destroys") {
  DmcEnv env;
  auto used = container_with_stubborn_process(env);
  auto destroyed = container_with_stubborn_process(env);
  ThawAtExit thaw{{used, destroyed}};
  for (const auto& h : {used, destroyed}) {
    write_text(freezer_file(h), "FROZEN\n");
    REQUIRE(eventually([&] { return freezer_state(h) == "FROZEN\n"; }));
  }
  check_runs_and_thawed(env, used);
  check_destroy_leaves_nothing(env, used);
  check_destroy_leaves_nothing(env, destroyed, seen_of(destroyed, {env.init_pid(destroyed)}));
}
