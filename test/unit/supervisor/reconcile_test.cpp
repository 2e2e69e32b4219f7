// The decisions of a service's supervisor: restart policies, backoff,
// STOP / START and restarts, from what is asked and what the machine shows.
#include <doctest/doctest.h>

#include "supervisor/reconcile.hpp"

using namespace dmc::supervisor;
using Process = Observed::Process;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

ServiceSpec spec_with(RestartPolicy policy) {
  ServiceSpec spec;
  spec.name = "web";
  spec.process.path = "/bin/sleep";
  spec.restart = policy;
  return spec;
}

Observed seen(int64_t now_s, Process process, size_t members, std::optional<int> status = {}) {
  Observed o;
  o.now_ns = now_s * kSecond;
  o.process = process;
  o.members = members;
  o.exit_status = status;
  return o;
}

// A service whose first generation runs since t=0.
Status running_since_zero() {
  Status s;
  (void)started(s, "web.1", 0);
  return s;
}

}  // namespace

TEST_CASE("a new service is started at once") {
  Status s;
  Step step = decide(spec_with(RestartPolicy::Always), Control{}, s, seen(0, Process::None, 0));
  CHECK(step.action == Action::Start);
  Note note = started(s, "web.1", 0);
  CHECK(note.action == "start");
  CHECK(s.phase == Phase::Running);
  CHECK(s.generation == 1);
  CHECK(s.restarts == 0);
}

TEST_CASE("nothing starts while the container does not run") {
  Status s;
  Observed o = seen(0, Process::None, 0);
  o.container_running = false;
  CHECK(decide(spec_with(RestartPolicy::Always), Control{}, s, o).action == Action::None);
  CHECK(s.phase == Phase::Waiting);
}

TEST_CASE("a running service is left alone") {
  Status s = running_since_zero();
  Step step = decide(spec_with(RestartPolicy::Always), Control{}, s, seen(5, Process::Running, 1));
  CHECK(step.action == Action::None);
  CHECK(s.phase == Phase::Running);
}

TEST_CASE("exit 0 finishes under on-failure and never, restarts under always") {
  for (auto policy : {RestartPolicy::OnFailure, RestartPolicy::Never}) {
    Status s = running_since_zero();
    decide(spec_with(policy), Control{}, s, seen(5, Process::Exited, 0, 0));
    CHECK(s.phase == Phase::Finished);
    CHECK(s.exit_status == 0);
  }
  Status s = running_since_zero();
  Step step = decide(spec_with(RestartPolicy::Always), Control{}, s, seen(5, Process::Exited, 0, 0));
  CHECK(s.phase == Phase::Waiting);
  CHECK(step.wake_ns == 15 * kSecond);  // the first backoff, 10 s
}

TEST_CASE("a failure keeps its real exit status and fails under never") {
  Status s = running_since_zero();
  decide(spec_with(RestartPolicy::Never), Control{}, s, seen(5, Process::Exited, 0, 3));
  CHECK(s.phase == Phase::Failed);
  CHECK(s.exit_status == 3);
  CHECK(s.error == "exited with status 3");
}

TEST_CASE("restarts back off 10 s doubling to 5 min, then start when due") {
  ServiceSpec spec = spec_with(RestartPolicy::OnFailure);
  CHECK(backoff_delay(spec, 1) == std::chrono::seconds(10));
  CHECK(backoff_delay(spec, 2) == std::chrono::seconds(20));
  CHECK(backoff_delay(spec, 5) == std::chrono::seconds(160));
  CHECK(backoff_delay(spec, 6) == std::chrono::seconds(300));
  CHECK(backoff_delay(spec, 40) == std::chrono::seconds(300));

  Status s = running_since_zero();
  decide(spec, Control{}, s, seen(1, Process::Exited, 0, 1));
  CHECK(decide(spec, Control{}, s, seen(10, Process::None, 0)).action == Action::None);
  CHECK(decide(spec, Control{}, s, seen(11, Process::None, 0)).action == Action::Start);
  Note note = started(s, "web.2", 11 * kSecond);
  CHECK(note.action == "restart");
  CHECK(s.restarts == 1);
  decide(spec, Control{}, s, seen(12, Process::Exited, 0, 1));
  CHECK(s.next_start_ns == 32 * kSecond);  // second failure: 20 s
}

TEST_CASE("ten minutes of running resets the backoff") {
  ServiceSpec spec = spec_with(RestartPolicy::Always);
  Status s = running_since_zero();
  s.failures = 5;
  decide(spec, Control{}, s, seen(601, Process::Exited, 0, 1));
  CHECK(s.failures == 1);
  CHECK(s.next_start_ns == 611 * kSecond);
}

TEST_CASE("STOP terms the group, kills it after the grace, and is never restarted") {
  ServiceSpec spec = spec_with(RestartPolicy::Always);
  Control stop;
  apply(stop, Ask::Stop);
  Status s = running_since_zero();
  CHECK(decide(spec, stop, s, seen(1, Process::Running, 2)).action == Action::Term);
  CHECK(s.phase == Phase::Stopping);
  CHECK(decide(spec, stop, s, seen(5, Process::Exited, 1, 143)).action == Action::None);
  CHECK(decide(spec, stop, s, seen(21, Process::Exited, 1, 143)).action == Action::Kill);
  CHECK(decide(spec, stop, s, seen(22, Process::Exited, 0, 143)).action == Action::None);
  CHECK(s.phase == Phase::Stopped);
  CHECK(decide(spec, stop, s, seen(100, Process::Exited, 0, 143)).action == Action::None);
  CHECK(s.phase == Phase::Stopped);
  CHECK(s.restarts == 0);
}

TEST_CASE("a second STOP changes nothing") {
  ServiceSpec spec = spec_with(RestartPolicy::Always);
  Control control;
  apply(control, Ask::Stop);
  Status s = running_since_zero();
  decide(spec, control, s, seen(1, Process::Running, 1));
  decide(spec, control, s, seen(2, Process::Exited, 0, 143));
  apply(control, Ask::Stop);
  CHECK(decide(spec, control, s, seen(3, Process::Exited, 0, 143)).action == Action::None);
  CHECK(s.phase == Phase::Stopped);
}

TEST_CASE("START during the grace of a STOP waits until the generation is gone, then starts once") {
  ServiceSpec spec = spec_with(RestartPolicy::Always);
  Control control;
  apply(control, Ask::Stop);
  Status s = running_since_zero();
  decide(spec, control, s, seen(1, Process::Running, 3));
  apply(control, Ask::Start);
  CHECK(decide(spec, control, s, seen(2, Process::Exited, 2, 143)).action == Action::None);
  CHECK(decide(spec, control, s, seen(21, Process::Exited, 2, 143)).action == Action::Kill);
  CHECK(decide(spec, control, s, seen(22, Process::Exited, 0, 143)).action == Action::Start);
  started(s, "web.2", 22 * kSecond);
  CHECK(decide(spec, control, s, seen(23, Process::Running, 1)).action == Action::None);
  CHECK(s.generation == 2);
}

TEST_CASE("START of a running service changes nothing and of a stopped one starts it") {
  ServiceSpec spec = spec_with(RestartPolicy::Never);
  Control control;
  Status s = running_since_zero();
  apply(control, Ask::Start);
  CHECK(decide(spec, control, s, seen(1, Process::Running, 1)).action == Action::None);
  Status finished = running_since_zero();
  decide(spec, Control{}, finished, seen(1, Process::Exited, 0, 0));
  REQUIRE(finished.phase == Phase::Finished);
  CHECK(decide(spec, control, finished, seen(2, Process::Exited, 0, 0)).action == Action::Start);
}

TEST_CASE("restart stops the generation, then starts the next at once") {
  ServiceSpec spec = spec_with(RestartPolicy::Never);
  Control control;
  apply(control, Ask::Restart);
  Status s = running_since_zero();
  CHECK(decide(spec, control, s, seen(1, Process::Running, 1)).action == Action::Term);
  Step step = decide(spec, control, s, seen(2, Process::Exited, 0, 143));
  CHECK(step.action == Action::Start);  // not failed: the restart was asked
  Note note = started(s, "web.2", 2 * kSecond);
  CHECK(note.action == "restart");
  CHECK(note.fields.at(1).second == "restart asked");
}

TEST_CASE("what is left of an exited generation ends before the next starts") {
  ServiceSpec spec = spec_with(RestartPolicy::Always);
  Status s = running_since_zero();
  CHECK(decide(spec, Control{}, s, seen(1, Process::Exited, 1, 0)).action == Action::Term);
  CHECK(decide(spec, Control{}, s, seen(15, Process::Exited, 1, 0)).action == Action::None);
  CHECK(decide(spec, Control{}, s, seen(21, Process::Exited, 1, 0)).action == Action::Kill);
  CHECK(decide(spec, Control{}, s, seen(22, Process::Exited, 0, 0)).action == Action::Start);
}

TEST_CASE("a lost process counts as a failure") {
  Status s = running_since_zero();
  decide(spec_with(RestartPolicy::OnFailure), Control{}, s, seen(1, Process::Lost, 0));
  CHECK(s.phase == Phase::Waiting);
  CHECK(s.failures == 1);
  CHECK(!s.exit_status);
}

TEST_CASE("a start that fails backs off, or fails under never") {
  Status s;
  start_failed(spec_with(RestartPolicy::Always), s, "executable not found", 0);
  CHECK(s.phase == Phase::Waiting);
  CHECK(s.next_start_ns == 10 * kSecond);
  Status never;
  start_failed(spec_with(RestartPolicy::Never), never, "executable not found", 0);
  CHECK(never.phase == Phase::Failed);
  CHECK(never.error == "executable not found");
}

TEST_CASE("remove stops, then asks for removal") {
  ServiceSpec spec = spec_with(RestartPolicy::Always);
  Control control;
  apply(control, Ask::Remove);
  Status s = running_since_zero();
  CHECK(decide(spec, control, s, seen(1, Process::Running, 1)).action == Action::Term);
  CHECK(decide(spec, control, s, seen(2, Process::Exited, 0, 143)).action == Action::Remove);
}

TEST_CASE("status and control survive their JSON") {
  Status s = running_since_zero();
  s.exit_status = 7;
  s.error = "exited with status 7";
  auto back = status_from_json(to_json(s));
  REQUIRE(back);
  CHECK(to_json(*back) == to_json(s));
  Control c;
  apply(c, Ask::Restart);
  auto control = control_from_json(to_json(c));
  REQUIRE(control);
  CHECK(control->seq == 1);
  CHECK(control->restart);
  CHECK(!control_from_json(R"({"desired":"maybe"})"));
}
