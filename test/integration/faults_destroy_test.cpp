// Promises under faults: `dmc destroy` killed at any moment, two destroys at
// once, and a run racing a destroy. Destroy is retryable and leaves nothing.
#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

// A container with what a destroy has to undo: a running process, and a
// finished one whose output nobody read (its shim keeps it).
std::string busy_container(DmcEnv& env) {
  auto h = env.create({"--memory", "32M"});
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "sleeper", "--", "/bin/sleep", "1000"}).code == 0);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "unread", "--", "/bin/echo", "nobody"}).code == 0);
  return h;
}

// The container's init, its processes and their shims: those that live,
// named for good.
std::vector<Seen> seen_in_container(DmcEnv& env, const std::string& h) {
  std::vector<int> pids = {env.init_pid(h)};
  for (const auto& p : ps_of(env, h)) {
    pids.push_back(p.pid);
    auto shim = read_file(env.depot() + "/" + h + "/processes/" + p.id + "/shim.pid");
    pids.push_back(std::atoi(shim.value_or("0").c_str()));
  }
  return seen_of(h, pids);
}

// A destroy of a container that is already gone: success, or "unknown handle".
void check_destroy_of_gone(const RunOutput& r, const std::string& h) {
  if (r.code == 0) return;
  CHECK(r.code == 1);
  CHECK(r.err == "dmc: unknown handle: " + h + "\n");
}

}  // namespace

TEST_CASE("faults: a destroy killed at any moment is finished by the next destroy") {
  DmcEnv env;
  auto timed = busy_container(env);
  Ms span = time_of([&] { REQUIRE(env.dmc({"destroy", timed}).code == 0); });
  int landed = 0;  // kills that found the destroy still at work
  for (Ms delay : spread(span + span / 4, 10)) {
    auto h = busy_container(env);
    auto seen = seen_in_container(env, h);
    INFO("destroy killed after " << delay.count() << " ms of " << span.count());
    auto killed = kill_after(env.dmc_argv({"destroy", h}), delay);
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    landed += killed.finished_first ? 0 : 1;
    if (!check_seen_truthfully(env, h).empty()) {
      check_destroy_leaves_nothing(env, h, seen);
      continue;
    }
    check_destroy_of_gone(env.dmc({"destroy", h}), h);
    check_nothing_left(env, h, seen);
  }
  CHECK(landed > 0);
}

TEST_CASE("faults: two destroys at once both succeed or find it gone and nothing is left") {
  DmcEnv env;
  for (int round = 0; round < 3; ++round) {
    auto h = busy_container(env);
    auto seen = seen_in_container(env, h);
    INFO("round " << round);
    Background first(env.dmc_argv({"destroy", h}));
    Background second(env.dmc_argv({"destroy", h}));
    auto a = first.wait();
    auto b = second.wait();
    CHECK_MESSAGE((a.code == 0 || b.code == 0), a.err << b.err);
    check_destroy_of_gone(a, h);
    check_destroy_of_gone(b, h);
    check_nothing_left(env, h, seen);
    CHECK_FALSE(listed(env).contains(h));
  }
}

// The run starts first for a positive lead, the destroy for a negative one.
TEST_CASE("faults: a run racing a destroy either runs and is cleaned or fails cleanly") {
  DmcEnv env;
  for (int lead_ms : {-20, -5, 0, 5, 15, 30, 60, 100}) {
    auto h = env.create();
    auto init = seen_of(h, {env.init_pid(h)});
    INFO("run started " << lead_ms << " ms before the destroy");
    auto run_argv = env.dmc_argv({"run", h, "--detach", "--id", "racer", "--", "/bin/sleep", "1000"});
    auto destroy_argv = env.dmc_argv({"destroy", h});
    std::optional<Background> run, destroy;
    (lead_ms >= 0 ? run : destroy).emplace(lead_ms >= 0 ? run_argv : destroy_argv);
    std::this_thread::sleep_for(Ms(std::abs(lead_ms)));
    (lead_ms >= 0 ? destroy : run).emplace(lead_ms >= 0 ? destroy_argv : run_argv);
    auto ran = run->wait();
    auto destroyed = destroy->wait();
    CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
    if (ran.code == 0) CHECK(ran.out == "racer\n");
    else CHECK_MESSAGE(is_clear_failure(ran), ran.code << ": " << ran.err);
    check_nothing_left(env, h, init);
  }
}
