// What is true of a container on the machine. Its state is read from
// reality: its init (a pid proven by its start time and cgroup), its lock
// and its record; the record alone is only a claim.
#include <algorithm>

#include "common/fs.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {
namespace names = depot::names;

std::string_view to_string(State state) {
  switch (state) {
    case State::Creating: return "creating";
    case State::Incomplete: return "incomplete";
    case State::Running: return "running";
    case State::Stopped: return "stopped";
    case State::Paused: return "paused";
    case State::Dead: return "dead";
  }
  return "dead";
}

proc::Claim Containerizer::init_claim(const std::string& handle,
                                      const depot::ContainerState& record) const {
  return {.pid = record.init_pid,
          .start_time = record.init_start_time,
          .cgroup = cgroup_path(handle)};
}

Result<void> Containerizer::prove_running(const std::string& handle,
                                          const depot::ContainerState& record) const {
  if (record.status == depot::Status::Creating) {
    return make_error(ErrorKind::ContainerNotRunning,
                      "container {} is incomplete: its create did not finish (destroy it)", handle);
  }
  auto proven = proc::open_proven(init_claim(handle, record));
  if (!proven) {
    return make_error(ErrorKind::ContainerNotRunning,
                      "container {} is not running: its init is gone ({}); destroy it", handle,
                      proven.error().message);
  }
  return {};
}

Result<depot::ContainerState> Containerizer::running_record(const std::string& handle) const {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(record, depot_.read_state(handle));
  DMC_CHECK(prove_running(handle, record));
  return record;
}

// An unfinished container is being made while its lock is held, and was
// left half made when it is free.
Result<State> Containerizer::observe(const std::string& handle,
                                     const depot::ContainerState* record) const {
  if (!record || record->status == depot::Status::Creating) {
    auto lock = depot_.try_lock(handle);
    if (!lock && lock.error().kind == ErrorKind::Unavailable) return State::Creating;
    return State::Incomplete;
  }
  if (!prove_running(handle, *record)) return State::Dead;
  if (record->status == depot::Status::Stopped) return State::Stopped;
  DMC_TRY(frozen, paused(handle, *record));
  return frozen ? State::Paused : State::Running;
}

Result<bool> Containerizer::paused(const std::string& handle,
                                   const depot::ContainerState& record) const {
  if (record.status != depot::Status::Paused) return false;
  return stopper_.frozen(cgroup_path(handle));
}

bool Containerizer::stray(const std::string& handle) const {
  auto strays = depot_.stray_temporaries();
  return strays && std::binary_search(strays->begin(), strays->end(), handle);
}

// What is known of a container whose create did not finish: its spec and
// properties when it got as far as writing them.
Result<ContainerInfo> Containerizer::incomplete_info(const std::string& handle,
                                                     State state) const {
  ContainerInfo info;
  info.handle = handle;
  info.status = state;
  info.bundle_path = depot_.dir(handle);
  if (auto text = read_file(depot_.path(handle, names::kSpec)); text) {
    if (auto spec = bundler::desired_spec_from_json(*text); spec) {
      info.image = spec->image;
      info.rootfs_path = spec->rootfs_path;
      info.limits = spec->limits;
      info.privileged = spec->privileged;
    }
  }
  if (auto props = depot_.read_properties(handle); props) info.properties = std::move(*props);
  return info;
}

}  // namespace dmc::containerizer
