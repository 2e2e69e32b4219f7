#include "supervisor/reconcile.hpp"

#include <utility>

#include <fmt/format.h>

namespace dmc::supervisor {
namespace {

using Process = Observed::Process;

int64_t ns(std::chrono::milliseconds ms) { return ms.count() * 1'000'000; }

// A new ask (a start, stop or restart from the CLI, a server or the socket).
void take_ask(const Control& control, Status& s, const Observed& o) {
  if (control.seq == s.seen_seq) return;
  s.seen_seq = control.seq;
  if (control.desired == Desired::Stopped) {
    s.restart_pending = false;
    return;
  }
  bool alive = s.phase == Phase::Running || o.members > 0;
  if (control.restart && alive) {
    s.restart_pending = true;
    s.error = "restart asked";
  }
  if (s.phase != Phase::Running && s.phase != Phase::Stopping) {
    if (s.phase != Phase::Waiting || s.generation > 0) s.error = "start asked";
    s.phase = Phase::Waiting;  // an asked start does not wait for a backoff
    s.failures = 0;
    s.next_start_ns = 0;
  }
}

// Schedules the next generation after a failure, or gives up under the policy.
void fail(const ServiceSpec& spec, Status& s, int64_t now_ns) {
  if (spec.restart == RestartPolicy::Never) {
    s.phase = Phase::Failed;
    return;
  }
  ++s.failures;
  s.phase = Phase::Waiting;
  s.next_start_ns = now_ns + ns(backoff_delay(spec, s.failures));
}

// The running generation ended (its exit status, or its shim was lost).
void take_exit(const ServiceSpec& spec, const Control& control, Status& s, const Observed& o) {
  s.finished_ns = o.now_ns;
  s.exit_status = o.process == Process::Exited ? o.exit_status : std::nullopt;
  if (s.finished_ns - s.started_ns >= ns(kBackoffReset)) s.failures = 0;
  bool liveness_failed = std::exchange(s.liveness_failed, false);
  if (control.desired == Desired::Stopped) {
    s.phase = Phase::Stopping;
    return;
  }
  if (s.restart_pending) {
    s.phase = Phase::Waiting;
    return;
  }
  if (liveness_failed) {  // a failure, whatever its exit status
    s.error = "liveness probe failed: " + s.liveness_error;
    fail(spec, s, o.now_ns);
    return;
  }
  bool ok = s.exit_status == 0;
  s.error = s.exit_status ? fmt::format("exited with status {}", *s.exit_status)
                          : std::string("its process was lost");
  if (ok && spec.restart != RestartPolicy::Always) {
    s.phase = Phase::Finished;
  } else {
    fail(spec, s, o.now_ns);
  }
}

// TERM, then KILL when the grace has passed, until the group is empty.
Step stop_members(const ServiceSpec& spec, Status& s, const Observed& o, bool asked) {
  Step step;
  if (asked) s.phase = Phase::Stopping;
  if (s.stop_started_ns == 0) {
    s.stop_started_ns = o.now_ns;
    step.action = Action::Term;
  } else if (o.now_ns >= s.stop_started_ns + ns(spec.stop_grace)) {
    step.action = Action::Kill;
  }
  step.wake_ns = s.stop_started_ns + ns(spec.stop_grace);
  return step;
}

}  // namespace

std::chrono::milliseconds backoff_delay(const ServiceSpec& spec, uint32_t failures) {
  auto delay = spec.backoff;
  for (uint32_t i = 1; i < failures && delay < spec.max_backoff; ++i) delay *= 2;
  return std::min(delay, spec.max_backoff);
}

Step decide(const ServiceSpec& spec, const Control& control, Status& s, const Observed& o) {
  take_ask(control, s, o);
  if (s.phase == Phase::Running && o.process != Process::Running) take_exit(spec, control, s, o);
  bool asked_stop = control.desired == Desired::Stopped || s.restart_pending;
  bool leftovers = s.phase != Phase::Running && o.members > 0;
  bool not_live = s.phase == Phase::Running && s.liveness_failed;  // ended, then restarted
  if ((asked_stop || leftovers || not_live) && o.members > 0) {
    return stop_members(spec, s, o, asked_stop);
  }
  s.stop_started_ns = 0;
  Step step;
  if (control.desired == Desired::Stopped) {
    if (s.phase == Phase::Running || s.phase == Phase::Stopping || s.phase == Phase::Waiting) {
      s.phase = Phase::Stopped;
    }
    if (control.remove) step.action = Action::Remove;
    return step;
  }
  if (s.phase == Phase::Stopping) s.phase = Phase::Waiting;
  if (s.restart_pending) {
    s.restart_pending = false;
    s.phase = Phase::Waiting;
    s.next_start_ns = 0;
    s.failures = 0;
  }
  if (s.phase != Phase::Waiting || !o.container_running) return step;
  if (o.now_ns < s.next_start_ns) {
    step.wake_ns = s.next_start_ns;
    return step;
  }
  step.action = Action::Start;
  return step;
}

Note started(Status& s, const std::string& process_id, int64_t now_ns) {
  ++s.generation;
  s.phase = Phase::Running;
  s.process_id = process_id;
  s.started_ns = now_ns;
  s.finished_ns = 0;
  s.exit_status.reset();
  s.next_start_ns = 0;
  s.liveness_failed = false;
  Note note{"start", {{"process", process_id}}};
  if (s.generation > 1) {
    ++s.restarts;
    note = Note{"restart", {{"process", process_id}, {"reason", s.error}}};
  }
  s.error.clear();
  return note;
}

void start_failed(const ServiceSpec& spec, Status& s, const std::string& error, int64_t now_ns) {
  s.error = error;
  s.finished_ns = now_ns;
  fail(spec, s, now_ns);
}

}  // namespace dmc::supervisor
