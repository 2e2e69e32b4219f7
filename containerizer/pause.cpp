// The Containerizer's Pause and Resume: the runtime freezes and thaws every
// process of a container (the v1 freezer, v2 cgroup.freeze). The record
// says "paused" before the freeze and "running" after the thaw, so that
// whatever a killed command leaves, the state observed (liveness.cpp) is
// what the freezer says. A pause or resume that changed something is an
// event of the journal; one that found it done already is not.
#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {

namespace {

// How long a pause waits for the freezer to say frozen once the runtime's
// pause returned (crun's returns while v1 may still say FREEZING).
constexpr std::chrono::milliseconds kFreezeWait = std::chrono::seconds(10);

Result<void> refuse_stopped(const std::string& handle, const depot::ContainerState& record) {
  if (record.status != depot::Status::Stopped) return {};
  return make_error(ErrorKind::ContainerNotRunning, "container '{}' is stopped", handle);
}

}  // namespace

Result<Containerizer::Freezable> Containerizer::lock_freezable(const std::string& handle) const {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(held, lock(handle));
  DMC_TRY(state, depot_.read_state(handle));
  DMC_CHECK(prove_running(handle, state));
  DMC_CHECK(refuse_stopped(handle, state));
  DMC_TRY(frozen, stopper_.frozen(cgroup_path(handle)));
  return Freezable{std::move(held), std::move(state), frozen};
}

Result<void> Containerizer::pause(const std::string& handle) {
  DMC_TRY(found, lock_freezable(handle));
  auto& [held, state, frozen] = found;
  if (state.status == depot::Status::Paused && frozen) return {};
  DMC_TRY(kit, runtime_of(state));
  const depot::Status before = state.status;
  state.status = depot::Status::Paused;
  DMC_CHECK(depot_.write_state(handle, state));
  // Frozen but not paused: a stop was killed while it held it frozen.
  if (!frozen) {
    auto done = kit.runtime.pause(handle);
    if (done) done = stopper_.freeze(cgroup_path(handle), kFreezeWait);
    if (!done) {
      (void)stopper_.thaw(cgroup_path(handle));
      state.status = before;
      if (auto undone = depot_.write_state(handle, state); !undone) {
        logger_.error("pause.undo-failed", undone.error(), {{"handle", handle}});
      }
      return done.error().wrap("pause " + handle);
    }
  }
  record(handle, journal::types::kPause);
  logger_.info("pause.done", {{"handle", handle}});
  return {};
}

Result<void> Containerizer::resume(const std::string& handle) {
  DMC_TRY(found, lock_freezable(handle));
  auto& [held, state, frozen] = found;
  if (frozen) {
    DMC_TRY(kit, runtime_of(state));
    if (auto done = kit.runtime.resume(handle); !done) return done.error().wrap("resume " + handle);
  }
  if (state.status != depot::Status::Paused) return {};
  state.status = depot::Status::Running;
  DMC_CHECK(depot_.write_state(handle, state));
  record(handle, journal::types::kResume);
  logger_.info("resume.done", {{"handle", handle}});
  return {};
}

}  // namespace dmc::containerizer
