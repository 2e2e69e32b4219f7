// The Containerizer's processes: Run, Attach, Signal, list, and StopAll.
#include <sys/file.h>

#include "common/fs.hpp"
#include "common/name.hpp"
#include "common/uuid.hpp"
#include "containerizer/containerizer.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/process_builder.hpp"
#include "process_tracker/record.hpp"

namespace dmc::containerizer {
namespace names = depot::names;

Result<std::string> Containerizer::run(const std::string& handle,
                                       const process_tracker::ProcessSpec& asked) {
  DMC_TRY(spec, checked_process(asked));
  DMC_CHECK(check_exists(handle));
  DMC_TRY(held, lock(handle));  // destroy waits until the shim runs
  DMC_TRY(state, depot_.read_state(handle));
  DMC_CHECK(prove_running(handle, state));
  // The runtime refuses to exec into a frozen container (runc) or hangs.
  DMC_TRY(frozen, paused(handle, state));
  if (frozen) {
    return make_error(ErrorKind::ContainerNotRunning, "container '{}' is paused", handle);
  }
  // A stop killed half way leaves the container frozen, though nobody paused it.
  DMC_CHECK(stopper_.thaw(cgroup_path(handle)));
  DMC_TRY(kit, runtime_of(state));
  DMC_TRY(config, read_file(depot_.path(handle, names::kConfig)));
  DMC_TRY(container, process_tracker::process_template(config));
  // The container's env as asked at create, not the bundle's (which starts
  // with the runtime's default PATH): a process gets PATH after its own
  // variables, root's or a user's (Garden's order).
  DMC_TRY(desired_text, read_file(depot_.path(handle, names::kSpec)));
  DMC_TRY(desired, bundler::desired_spec_from_json(desired_text));
  container.env = std::move(desired.env);
  DMC_TRY(process, process_tracker::build_process(spec, container,
                                                  depot_.path(handle, names::kRootfs)));
  if (!spec.group.empty()) DMC_CHECK(make_group(handle, spec.group));
  logger_.debug("run.process-built", {{"handle", handle}});
  return kit.tracker.start(processes_dir(handle), handle, spec, process);
}

Result<process_tracker::Attachment> Containerizer::open_attachment(
    const std::string& handle, const std::string& id,
    const process_tracker::StreamFds& fds) const {
  DMC_CHECK(check_exists(handle));
  return tracker().open_attachment(processes_dir(handle), id, fds);
}

Result<void> Containerizer::signal(const std::string& handle, const std::string& id,
                                   int signal) const {
  DMC_CHECK(check_exists(handle));
  return tracker().signal(processes_dir(handle), id, signal);
}

Result<std::vector<process_tracker::ProcessInfo>> Containerizer::processes(
    const std::string& handle) const {
  auto exists = check_exists(handle);
  if (!exists && exists.error().kind == ErrorKind::ContainerNotFound &&
      (stray(handle) || depot_.exists(handle))) {
    // Half made, or half destroyed: what processes are left of it.
    return tracker().list(processes_dir(handle));
  }
  if (!exists) return exists.error();
  return tracker().list(processes_dir(handle));
}

Result<void> Containerizer::forget_process(const std::string& handle,
                                           const std::string& id) const {
  DMC_CHECK(validate_name("process id", id));
  DMC_CHECK(check_exists(handle));
  const std::string dir = fmt::format("{}/{}", processes_dir(handle), id);
  if (!path_exists(dir)) {
    return make_error(ErrorKind::ProcessNotFound, "container {} has no process {}", handle, id);
  }
  // Held until the record is gone: no shim can take the record meanwhile.
  UniqueFd lock = process_tracker::open_lock(dir, false);
  const bool shim_holds = lock && ::flock(lock.get(), LOCK_EX | LOCK_NB) < 0;
  if (shim_holds || process_tracker::process_running(dir)) {
    return make_error(ErrorKind::Unavailable,
                      "process {} of container {} is still running: only a finished process "
                      "can be forgotten",
                      id, handle);
  }
  // Out of sight at once; a crash before the removal leaves a leftover that
  // the next prune removes (layout.hpp's .new- prefix).
  DMC_TRY(suffix, uuid_v4());
  const std::string gone = fmt::format("{}/{}{}-{}", processes_dir(handle),
                                       process_tracker::names::kNewPrefix, id, suffix.substr(0, 8));
  if (::rename(dir.c_str(), gone.c_str()) < 0) return sys_error(fmt::format("forget {}", dir));
  return remove_tree(gone);
}

Result<void> Containerizer::stop(const std::string& handle, const stopper::StopOptions& options) {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(held, lock(handle));
  DMC_TRY(state, depot_.read_state(handle));
  DMC_CHECK(prove_running(handle, state));
  // Paused, or what a killed stop left: a frozen process takes no signal
  // (on v1 not even SIGKILL) until it is thawed.
  DMC_CHECK(stopper_.thaw(cgroup_path(handle)));
  logger_.info("stop.starting", {{"handle", handle}, {"kill", options.kill ? "true" : "false"}});
  // Before its kills, so that the exits it causes come after it.
  record_stop(handle, options.kill);
  DMC_CHECK(stopper_.stop_all(cgroup_path(handle), state.init_pid, options));
  state.status = depot::Status::Stopped;
  DMC_CHECK(depot_.write_state(handle, state));
  logger_.info("stop.done", {{"handle", handle}});
  return {};
}

}  // namespace dmc::containerizer
