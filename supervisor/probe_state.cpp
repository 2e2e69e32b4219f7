#include "supervisor/probe_state.hpp"

#include <utility>

namespace dmc::supervisor {

ProbeState::ProbeState(ProbeKind kind, std::optional<Probe> probe, ProbeTime started)
    : kind_(kind), probe_(std::move(probe)) {
  start_over(started);
}

void ProbeState::start_over(ProbeTime now) {
  successes_ = 0;
  failures_ = 0;
  succeeded_ = false;
  // Readiness is earned; liveness and startup are presumed; no probe passes.
  passing_ = !probe_ || kind_ != ProbeKind::Readiness;
  if (probe_) due_ = now + std::chrono::seconds(probe_->initial_delay_seconds);
}

std::optional<ProbeTime> ProbeState::next_due() const {
  if (!probe_ || suspended_) return std::nullopt;
  if (kind_ == ProbeKind::Startup && succeeded_) return std::nullopt;
  return due_;
}

void ProbeState::record(ProbeTime probed_at, const ProbeOutcome& outcome) {
  if (!probe_ || suspended_) return;
  due_ = probed_at + std::chrono::seconds(probe_->period_seconds);
  if (outcome.success) {
    failures_ = 0;
    succeeded_ = true;
    if (++successes_ >= probe_->success_threshold) passing_ = true;
    return;
  }
  successes_ = 0;
  last_error_ = outcome.message;
  if (++failures_ >= probe_->failure_threshold) passing_ = false;
}

void ProbeState::resume(ProbeTime now) {
  suspended_ = false;
  start_over(now);
}

void ProbeState::reset(ProbeTime now) { start_over(now); }

ContainerProbes::ContainerProbes(const PodContainer& container, ProbeTime started)
    : liveness_(ProbeKind::Liveness, container.liveness, started),
      readiness_(ProbeKind::Readiness, container.readiness, started),
      startup_(ProbeKind::Startup, container.startup, started) {}

std::optional<ContainerProbes::Due> ContainerProbes::next_due() const {
  if (!started()) {
    auto at = startup_.next_due();
    if (!at) return std::nullopt;
    return Due{ProbeKind::Startup, *at};
  }
  std::optional<Due> next;
  for (const ProbeState* s : {&liveness_, &readiness_}) {
    auto at = s->next_due();
    if (at && (!next || *at < next->at)) {
      next = Due{s == &liveness_ ? ProbeKind::Liveness : ProbeKind::Readiness, *at};
    }
  }
  return next;
}

void ContainerProbes::record(ProbeKind kind, ProbeTime probed_at, const ProbeOutcome& outcome) {
  mutable_state(kind).record(probed_at, outcome);
}

bool ContainerProbes::started() const {
  return !startup_.probe() || startup_.succeeded_once();
}

bool ContainerProbes::live() const { return startup_.passing() && liveness_.passing(); }

bool ContainerProbes::ready() const { return started() && readiness_.passing(); }

const ProbeState& ContainerProbes::state(ProbeKind kind) const {
  switch (kind) {
    case ProbeKind::Liveness: return liveness_;
    case ProbeKind::Readiness: return readiness_;
    case ProbeKind::Startup: return startup_;
  }
  return liveness_;
}

ProbeState& ContainerProbes::mutable_state(ProbeKind kind) {
  return const_cast<ProbeState&>(std::as_const(*this).state(kind));
}

void ContainerProbes::suspend() {
  for (ProbeState* s : {&liveness_, &readiness_, &startup_}) s->suspend();
}

void ContainerProbes::resume(ProbeTime now) {
  for (ProbeState* s : {&liveness_, &readiness_, &startup_}) s->resume(now);
}

void ContainerProbes::reset(ProbeTime now) {
  for (ProbeState* s : {&liveness_, &readiness_, &startup_}) s->reset(now);
}

}  // namespace dmc::supervisor
