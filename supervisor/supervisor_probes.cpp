// The supervisor's probes of a service's running generation (Kubernetes'
// semantics: probe_state.hpp): run when due, in the loop, each bounded by
// its timeout; the readiness bit and the latest errors go to the status, a
// liveness failure past its threshold ends the run (reconcile.hpp).
#include <fmt/format.h>

#include "supervisor/probe_runner.hpp"
#include "supervisor/service_supervisor.hpp"

namespace dmc::supervisor {
namespace {

std::string_view name_of(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::Liveness: return "liveness";
    case ProbeKind::Readiness: return "readiness";
    case ProbeKind::Startup: return "startup";
  }
  return "liveness";
}

bool has_probes(const ServiceSpec& spec) {
  return spec.liveness || spec.readiness || spec.startup;
}

PodContainer probed(const ServiceSpec& spec) {
  return {spec.name, spec.process, "", spec.liveness, spec.readiness, spec.startup};
}

}  // namespace

int64_t ServiceSupervisor::probe(Service& service, Status& status, const Control& control,
                                 int64_t now_ns) {
  if (!has_probes(service.spec)) return 0;
  bool probing = status.phase == Phase::Running && control.desired == Desired::Running &&
                 !status.restart_pending && !status.liveness_failed;
  if (!probing) {  // stopped on purpose, or ending: no probe, no verdict
    if (service.probes) service.probes->suspend();
    return 0;
  }
  auto now = ProbeClock::now();
  if (!service.probes || service.probed_generation != status.generation) {
    service.probes.emplace(probed(service.spec), now);
    service.probed_generation = status.generation;
  } else if (service.probes->state(ProbeKind::Liveness).suspended()) {
    service.probes->resume(now);
  }
  if (auto due = service.probes->next_due(); due && due->at <= now) run_due_probe(service, due->kind);
  ContainerProbes& probes = *service.probes;
  status.ready = probes.ready();
  // The latest error of each, kept across restarts (it tells why).
  for (auto [kind, kept] : {std::pair{ProbeKind::Liveness, &status.liveness_error},
                            std::pair{ProbeKind::Readiness, &status.readiness_error},
                            std::pair{ProbeKind::Startup, &status.startup_error}}) {
    const std::string& latest = probes.state(kind).last_error();
    if (!latest.empty()) *kept = latest;
  }
  if (!probes.live()) {
    status.liveness_failed = true;
    engine_.record(handle_, service.spec.name,
                   {"liveness-failed", {{"error", status.liveness_error}}});
    return now_ns;  // act on it at once
  }
  auto next = probes.next_due();
  if (!next) return 0;
  auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(next->at - ProbeClock::now());
  return now_ns + std::max<int64_t>(left.count(), 0);
}

void ServiceSupervisor::run_due_probe(Service& service, ProbeKind kind) {
  const auto& state = service.probes->state(kind);
  if (!service.target) service.target = engine_.probe_target(handle_, service.spec.process.user);
  auto began = ProbeClock::now();
  ProbeOutcome outcome = run_probe(*state.probe(), *service.target);
  service.probes->record(kind, began, outcome);
  if (!outcome.success) {
    engine_.record(handle_, service.spec.name,
                   {"probe-failed", {{"probe", std::string(name_of(kind))}, {"error", outcome.message}}});
  }
}

}  // namespace dmc::supervisor
