// When to probe a container and what the probes say, with Kubernetes'
// semantics. Pure: the caller runs the probes and passes the time in.
//
// - Nothing is probed before initialDelaySeconds after the start; then once
//   per periodSeconds, counted from when the previous run began.
// - A verdict changes after successThreshold consecutive successes or
//   failureThreshold consecutive failures. Liveness and startup start
//   passing, readiness starts not ready; a missing probe always passes.
// - A startup probe gates the others: they are not run, liveness passes and
//   readiness is not ready, until it has succeeded once; then it stops.
// - suspend() (the process was STOPped on purpose): nothing is due and no
//   verdict changes; resume(now) starts over as at a start. reset(now):
//   the process restarted, start over (a suspended state stays suspended).
//   The latest error message is kept through both.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "supervisor/pod_spec.hpp"
#include "supervisor/probe.hpp"

namespace dmc::supervisor {

using ProbeClock = std::chrono::steady_clock;
using ProbeTime = ProbeClock::time_point;

// One probe of one container.
class ProbeState {
 public:
  ProbeState(ProbeKind kind, std::optional<Probe> probe, ProbeTime started);

  // When the next run is due (maybe already past); nullopt: none is, ever,
  // until resume or reset (no probe, suspended, or a startup that passed).
  [[nodiscard]] std::optional<ProbeTime> next_due() const;
  // The outcome of a run that began at probed_at; ignored while suspended.
  void record(ProbeTime probed_at, const ProbeOutcome& outcome);
  // The verdict now.
  [[nodiscard]] bool passing() const { return passing_; }
  // A success was recorded since the (re)start.
  [[nodiscard]] bool succeeded_once() const { return succeeded_; }
  [[nodiscard]] bool suspended() const { return suspended_; }
  // The message of the latest failure; empty if none ever failed.
  [[nodiscard]] const std::string& last_error() const { return last_error_; }
  [[nodiscard]] const std::optional<Probe>& probe() const { return probe_; }

  void suspend() { suspended_ = true; }
  void resume(ProbeTime now);
  void reset(ProbeTime now);

 private:
  void start_over(ProbeTime now);

  ProbeKind kind_;
  std::optional<Probe> probe_;
  ProbeTime due_{};
  int successes_ = 0;
  int failures_ = 0;
  bool passing_ = true;
  bool succeeded_ = false;
  bool suspended_ = false;
  std::string last_error_;
};

// The three probes of one container, startup gating the other two.
class ContainerProbes {
 public:
  ContainerProbes(const PodContainer& container, ProbeTime started);

  struct Due {
    ProbeKind kind;
    ProbeTime at;  // maybe already past: run it now
  };
  // The probe to run next; nullopt: none is due until resume or reset.
  [[nodiscard]] std::optional<Due> next_due() const;
  void record(ProbeKind kind, ProbeTime probed_at, const ProbeOutcome& outcome);

  // The startup probe passed once (or there is none).
  [[nodiscard]] bool started() const;
  // False: restart the process (liveness or startup failed past threshold).
  [[nodiscard]] bool live() const;
  // Started and the readiness probe passes.
  [[nodiscard]] bool ready() const;
  [[nodiscard]] const ProbeState& state(ProbeKind kind) const;

  void suspend();
  void resume(ProbeTime now);
  void reset(ProbeTime now);

 private:
  ProbeState& mutable_state(ProbeKind kind);

  ProbeState liveness_;
  ProbeState readiness_;
  ProbeState startup_;
};

}  // namespace dmc::supervisor
