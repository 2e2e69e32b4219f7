// When probes run and what they say, with Kubernetes' semantics, on a clock
// the test moves by hand.
#include <doctest/doctest.h>

#include "supervisor/probe_state.hpp"

using namespace dmc::supervisor;
using std::chrono::seconds;

namespace {

const ProbeTime t0{};  // the container's start

Probe probe(int delay, int period, int success, int failure) {
  return Probe{.action = ExecAction{{"true"}},
               .initial_delay_seconds = delay,
               .period_seconds = period,
               .success_threshold = success,
               .failure_threshold = failure};
}

const ProbeOutcome ok{true, ""};
ProbeOutcome bad(const std::string& why = "exit code 1") { return {false, why}; }

ProbeTime at(int s) { return t0 + seconds(s); }

}  // namespace

TEST_CASE("a missing probe passes and is never due") {
  for (auto kind : {ProbeKind::Liveness, ProbeKind::Readiness, ProbeKind::Startup}) {
    ProbeState s(kind, std::nullopt, t0);
    CHECK(s.passing());
    CHECK(!s.next_due());
  }
  ContainerProbes c(PodContainer{}, t0);
  CHECK(c.started());
  CHECK(c.live());
  CHECK(c.ready());
  CHECK(!c.next_due());
}

TEST_CASE("the first run is due after initialDelaySeconds, then once per period") {
  ProbeState s(ProbeKind::Liveness, probe(5, 10, 1, 3), t0);
  CHECK(s.next_due() == at(5));
  s.record(at(5), ok);
  CHECK(s.next_due() == at(15));
  s.record(at(16), bad());  // a late run counts the period from when it began
  CHECK(s.next_due() == at(26));
}

TEST_CASE("liveness starts passing and fails after failureThreshold consecutive failures") {
  ProbeState s(ProbeKind::Liveness, probe(0, 1, 1, 3), t0);
  CHECK(s.passing());
  s.record(at(0), bad());
  s.record(at(1), bad());
  CHECK(s.passing());
  s.record(at(2), ok);  // a success breaks the run of failures
  s.record(at(3), bad());
  s.record(at(4), bad());
  CHECK(s.passing());
  s.record(at(5), bad("exit code 2: no file"));
  CHECK(!s.passing());
  CHECK(s.last_error() == "exit code 2: no file");
  s.record(at(6), ok);  // successThreshold 1: one success passes again
  CHECK(s.passing());
  CHECK(s.last_error() == "exit code 2: no file");  // kept after a success
}

TEST_CASE("readiness starts not ready until successThreshold consecutive successes") {
  ProbeState s(ProbeKind::Readiness, probe(0, 1, 2, 2), t0);
  CHECK(!s.passing());
  s.record(at(0), ok);
  CHECK(!s.passing());
  s.record(at(1), bad());
  s.record(at(2), ok);  // the failure broke the run: one success again
  CHECK(!s.passing());
  s.record(at(3), ok);
  CHECK(s.passing());
  s.record(at(4), bad());
  CHECK(s.passing());
  s.record(at(5), bad());
  CHECK(!s.passing());
}

TEST_CASE("a startup probe gates liveness and readiness until it succeeds once") {
  PodContainer pc;
  pc.startup = probe(1, 2, 1, 3);
  pc.liveness = probe(0, 10, 1, 1);
  pc.readiness = probe(0, 5, 1, 1);
  ContainerProbes c(pc, t0);
  CHECK(!c.started());
  CHECK(c.live());
  CHECK(!c.ready());
  REQUIRE(c.next_due());
  CHECK(c.next_due()->kind == ProbeKind::Startup);
  CHECK(c.next_due()->at == at(1));
  c.record(ProbeKind::Startup, at(1), bad());
  CHECK(c.next_due()->kind == ProbeKind::Startup);
  CHECK(c.next_due()->at == at(3));
  c.record(ProbeKind::Startup, at(3), ok);
  CHECK(c.started());
  CHECK(!c.ready());  // readiness has not passed yet
  // The startup probe stops; the others are due (their delays passed).
  REQUIRE(c.next_due());
  CHECK(c.next_due()->kind != ProbeKind::Startup);
  CHECK(c.next_due()->at == at(0));
  c.record(ProbeKind::Liveness, at(3), ok);
  CHECK(c.next_due()->kind == ProbeKind::Readiness);
  c.record(ProbeKind::Readiness, at(3), ok);
  CHECK(c.ready());
  CHECK(c.next_due()->kind == ProbeKind::Readiness);
  CHECK(c.next_due()->at == at(8));
  c.record(ProbeKind::Liveness, at(13), bad("dead"));
  CHECK(!c.live());
}

TEST_CASE("a startup probe that fails past its threshold makes the container not live") {
  PodContainer pc;
  pc.startup = probe(0, 1, 1, 2);
  ContainerProbes c(pc, t0);
  c.record(ProbeKind::Startup, at(0), bad());
  CHECK(c.live());
  c.record(ProbeKind::Startup, at(1), bad("refused"));
  CHECK(!c.live());
  CHECK(!c.started());
  CHECK(c.state(ProbeKind::Startup).last_error() == "refused");
}

TEST_CASE("suspended: nothing is due and no verdict changes, and resume starts over") {
  PodContainer pc;
  pc.liveness = probe(4, 1, 1, 1);
  pc.readiness = probe(4, 1, 1, 1);
  ContainerProbes c(pc, t0);
  c.record(ProbeKind::Readiness, at(4), ok);
  CHECK(c.ready());
  c.suspend();
  CHECK(!c.next_due());
  c.record(ProbeKind::Liveness, at(5), bad("stopped"));  // a run that raced the STOP
  c.record(ProbeKind::Readiness, at(5), bad("stopped"));
  CHECK(c.live());
  CHECK(c.ready());
  CHECK(c.state(ProbeKind::Liveness).last_error().empty());
  c.resume(at(100));
  REQUIRE(c.next_due());
  CHECK(c.next_due()->at == at(104));  // initialDelaySeconds again
  CHECK(c.live());
  CHECK(!c.ready());  // readiness is earned again
}

TEST_CASE("reset starts over after a restart, keeping the latest error") {
  PodContainer pc;
  pc.liveness = probe(2, 1, 1, 1);
  pc.startup = probe(0, 1, 1, 5);
  ContainerProbes c(pc, t0);
  c.record(ProbeKind::Startup, at(0), ok);
  c.record(ProbeKind::Liveness, at(2), bad("gone"));
  CHECK(!c.live());
  c.reset(at(50));
  CHECK(c.live());
  CHECK(!c.started());  // the startup probe gates again
  CHECK(c.next_due()->kind == ProbeKind::Startup);
  CHECK(c.next_due()->at == at(50));
  CHECK(c.state(ProbeKind::Liveness).last_error() == "gone");
}

TEST_CASE("reset while suspended stays suspended") {
  ProbeState s(ProbeKind::Liveness, probe(0, 1, 1, 1), t0);
  s.suspend();
  s.reset(at(3));
  CHECK(!s.next_due());
  s.resume(at(4));
  CHECK(s.next_due() == at(4));
}
