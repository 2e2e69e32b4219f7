// dmc pause / resume: the container's processes freeze and thaw; info and
// list say "paused"; attach, signal, stop and destroy work on a paused
// container, and nothing is left frozen.
#include <thread>

#include <doctest/doctest.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"
#include "support/processes.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

// A process that writes a growing counter to /n; returns once it has.
void run_counter(DmcEnv& env, const std::string& h) {
  run_until_marked(env, h, "counter",
                   "i=0; while :; do i=$((i+1)); echo $i > /n.tmp; mv /n.tmp /n; sleep 0.01; done",
                   "/n");
}

long counter(DmcEnv& env, const std::string& h) {
  return std::stol(read_file(in_rootfs(env, h, "/n")).value_or("0"));
}

// A process that prints "before", then waits for /go to print "after".
void run_waiting(DmcEnv& env, const std::string& h, const std::string& id) {
  run_until_marked(env, h, id,
                   "echo before; touch /said; while [ ! -e /go ]; do sleep 0.02; done; echo after",
                   "/said");
}

// The pauses and resumes of the container's journal, oldest first.
std::vector<std::string> pause_changes(DmcEnv& env, const std::string& h) {
  auto r = env.dmc({"events", "--json", h});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  std::vector<std::string> changes;
  for (size_t at = 0; (at = r.out.find("\"type\":\"", at)) != std::string::npos;) {
    at += 8;
    auto type = r.out.substr(at, r.out.find('"', at) - at);
    if (type == "pause" || type == "resume") changes.push_back(type);
  }
  return changes;
}

}  // namespace

TEST_CASE("pause: a counter stops while paused and goes on after resume, and info says so") {
  DmcEnv env;
  auto h = env.create();
  run_counter(env, h);
  auto paused = env.dmc({"pause", h});
  CHECK(paused.code == 0);
  CHECK(paused.err == "");
  CHECK(info_of(env, h).state == "paused");
  CHECK(listed(env)[h] == "paused");
  CHECK(freezer_state(h) == "FROZEN\n");
  long frozen_at = counter(env, h);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(counter(env, h) == frozen_at);
  REQUIRE(env.dmc({"resume", h}).code == 0);
  CHECK(info_of(env, h).state == "running");
  CHECK(freezer_state(h) == "THAWED\n");
  CHECK(eventually([&] { return counter(env, h) > frozen_at; }));
}

TEST_CASE("pause: pausing a paused container and resuming a running one are not errors") {
  DmcEnv env;
  auto h = env.create();
  for (int i = 0; i < 2; ++i) {
    auto r = env.dmc({"pause", h});
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(info_of(env, h).state == "paused");
  }
  for (int i = 0; i < 2; ++i) {
    auto r = env.dmc({"resume", h});
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(info_of(env, h).state == "running");
  }
}

TEST_CASE("pause: of a stopped or unknown container is an error") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"stop", h}).code == 0);
  for (const char* verb : {"pause", "resume"}) {
    auto r = env.dmc({verb, h});
    CHECK(r.code == 1);
    CHECK(r.err == "dmc: container '" + h + "' is stopped\n");
    auto unknown = env.dmc({verb, "no-such-container"});
    CHECK(unknown.code == 1);
    CHECK(unknown.err == "dmc: unknown handle: no-such-container\n");
  }
  CHECK(info_of(env, h).state == "stopped");
  CHECK(freezer_state(h) == "THAWED\n");
}

TEST_CASE("pause: run into a paused container fails at once, and works after resume") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"pause", h}).code == 0);
  auto r = env.dmc({"run", h, "--", "/bin/echo", "hi"});
  CHECK(r.code == 125);
  CHECK(r.err == "dmc: container '" + h + "' is paused\n");
  CHECK(info_of(env, h).state == "paused");
  REQUIRE(env.dmc({"resume", h}).code == 0);
  check_runs(env, h);
}

TEST_CASE("pause: destroy of a paused container leaves nothing behind") {
  DmcEnv env;
  auto h = env.create();
  run_counter(env, h);
  auto counter_proc = find_proc(ps_of(env, h), "counter");
  REQUIRE(counter_proc);
  auto seen = seen_of(h, {env.init_pid(h), counter_proc->pid});
  REQUIRE(env.dmc({"pause", h}).code == 0);
  check_destroy_leaves_nothing(env, h, seen);
}

TEST_CASE("pause: stop of a paused container ends its processes and thaws it") {
  DmcEnv env;
  for (bool kill : {false, true}) {
    INFO("stop " << (kill ? "--kill" : "with TERM"));
    auto h = env.create();
    run_counter(env, h);
    int init = env.init_pid(h);
    REQUIRE(env.dmc({"pause", h}).code == 0);
    std::vector<std::string> stop = {"stop", h};
    if (kill) stop.push_back("--kill");
    auto r = env.dmc(stop);
    CHECK_MESSAGE(r.code == 0, r.err);
    CHECK(env.dmc({"attach", h, "counter"}).code == (kill ? 137 : 143));
    check_stopped(env, h, init);
    CHECK(freezer_state(h) == "THAWED\n");
  }
}

TEST_CASE("pause: a signal sent while paused is delivered on resume") {
  DmcEnv env;
  auto h = env.create();
  run_waiting(env, h, "waiter");
  REQUIRE(env.dmc({"pause", h}).code == 0);
  CHECK(env.dmc({"signal", h, "waiter", "TERM"}).code == 0);
  auto proc = find_proc(ps_of(env, h), "waiter");
  REQUIRE(proc);
  CHECK(proc->state == "running");  // frozen: the TERM waits
  REQUIRE(env.dmc({"resume", h}).code == 0);
  CHECK(env.dmc({"attach", h, "waiter"}).code == 143);
}

// The shim is not in the container's cgroup: it is not frozen, and
// delivers what the process wrote before the pause.
TEST_CASE("pause: attach to a process of a paused container gets the output made before") {
  DmcEnv env;
  auto h = env.create();
  run_waiting(env, h, "waiter");
  REQUIRE(env.dmc({"pause", h}).code == 0);
  auto [read_end, write_end] = make_pipe();
  auto attach = spawn_child({.argv = env.dmc_argv({"attach", h, "waiter"}),
                             .stdout_fd = write_end.get()});
  REQUIRE(attach);
  write_end.reset();
  std::string out;
  CHECK(eventually([&] {
    out += read_ready(read_end.get());
    return out == "before\n";
  }));
  CHECK(info_of(env, h).state == "paused");
  REQUIRE(env.dmc({"resume", h}).code == 0);
  write_text(in_rootfs(env, h, "/go"), "");
  out += read_all(read_end.get());
  CHECK(out == "before\nafter\n");
  auto exit = attach->wait();
  REQUIRE(exit);
  CHECK(exit->code == 0);
}

// Pauses and resumes racing on one container, several rounds: each one
// succeeds (pausing a paused container and resuming a running one are not
// errors), the journal's pauses and resumes alternate (each records only
// a change it made, under the container's lock), and the last of them
// is what info and the freezer say. Then the container still works.
TEST_CASE("pause: racing pauses and resumes leave the state the last one made") {
  DmcEnv env;
  auto h = env.create();
  run_counter(env, h);
  constexpr int kRounds = 3;
  constexpr int kRacers = 8;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    std::vector<RunOutput> results(kRacers);
    std::vector<std::thread> racers;
    for (int i = 0; i < kRacers; ++i) {
      const char* verb = (i + round) % 2 == 0 ? "pause" : "resume";
      racers.emplace_back([&, i, verb] { results[i] = env.dmc({verb, h}); });
    }
    for (auto& racer : racers) racer.join();
    for (const auto& r : results) {
      CHECK_MESSAGE(r.code == 0, r.err);
      CHECK(r.err == "");
    }
    auto changes = pause_changes(env, h);
    for (size_t i = 1; i < changes.size(); ++i) CHECK(changes[i] != changes[i - 1]);
    const bool paused = !changes.empty() && changes.back() == "pause";
    CHECK(info_of(env, h).state == (paused ? "paused" : "running"));
    CHECK(freezer_state(h) == (paused ? "FROZEN\n" : "THAWED\n"));
  }
  REQUIRE(env.dmc({"resume", h}).code == 0);
  CHECK(info_of(env, h).state == "running");
  CHECK(freezer_state(h) == "THAWED\n");
  long at = counter(env, h);
  CHECK(eventually([&] { return counter(env, h) > at; }));
  check_runs(env, h);
}
