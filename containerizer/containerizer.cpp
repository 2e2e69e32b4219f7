#include "containerizer/containerizer.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "common/cgroup.hpp"
#include "common/clock.hpp"
#include "common/fs.hpp"
#include "common/oci.hpp"
#include "common/uuid.hpp"
#include "containerizer/init_killer.hpp"

namespace dmc::containerizer {
namespace names = depot::names;

namespace {

// The image as an absolute, resolved path to an existing directory.
Result<std::string> resolve_image(const std::string& image) {
  char resolved[PATH_MAX];
  if (!::realpath(image.c_str(), resolved)) {
    return sys_error(fmt::format("rootfs '{}'", image));
  }
  struct stat st;
  if (::stat(resolved, &st) < 0) return sys_error(fmt::format("rootfs '{}'", image));
  if (!S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::Invalid, "rootfs '{}' is not a directory", image);
  }
  return std::string(resolved);
}

Result<std::string> choose_handle(const std::optional<std::string>& asked) {
  if (!asked) return uuid_v4();
  DMC_CHECK(depot::validate_handle(*asked));
  return *asked;
}

Result<int> read_pid_file(const std::string& path) {
  DMC_TRY(text, read_file(path));
  char* end = nullptr;
  long pid = std::strtol(text.c_str(), &end, 10);
  if (pid <= 0 || end == text.c_str()) {
    return make_error(ErrorKind::Internal, "{}: not a pid: '{}'", path, text);
  }
  return static_cast<int>(pid);
}

}  // namespace

Containerizer::Containerizer(const depot::Depot& depot, const bundler::Bundler& bundler,
                             Runtimes& runtimes, RootfsMounter& mounter,
                             const stopper::Stopper& stopper, const nstar::Nstar& nstar,
                             ContainerizerConfig config, Logger logger)
    : depot_(depot),
      bundler_(bundler),
      runtimes_(runtimes),
      mounter_(mounter),
      stopper_(stopper),
      nstar_(nstar),
      config_(std::move(config)),
      logger_(std::move(logger)) {}

Result<bundler::DesiredSpec> Containerizer::desired_spec(const CreateRequest& request,
                                                         const std::string& handle) const {
  DMC_TRY(image, resolve_image(request.image.empty() ? config_.default_image : request.image));
  return bundler::DesiredSpec{
      .handle = handle,
      .image = image,
      .rootfs_path = depot_.path(handle, names::kRootfs),
      .env = request.env,
      .bind_mounts = request.bind_mounts,
      .limits = request.limits,
      .privileged = request.privileged,
      .properties = request.properties,
  };
}

Result<std::string> Containerizer::create(const CreateRequest& request) {
  DMC_CHECK(check_create(request));
  DMC_TRY(handle, choose_handle(request.handle));
  DMC_TRY(spec, desired_spec(request, handle));
  DMC_TRY(bundle, bundler_.generate(spec));
  DMC_CHECK(depot_.init());
  // The runtime and its root are on disk before the runtime is called, so
  // that whatever a killed create left is cleaned up with them.
  OciRuntime& runtime = runtimes_.for_new().runtime;
  depot::NewContainer files{.spec_json = bundler::to_json(spec),
                            .config_json = oci::to_json(bundle),
                            .properties = spec.properties,
                            .state = {.status = depot::Status::Creating,
                                      .created_at_ns = now_ns(),
                                      .runtime = runtime.binary(),
                                      .runtime_root = runtime.state_root()}};
  if (auto cleaned = clean_leftovers(); !cleaned) {
    logger_.error("create.clean-leftovers-failed", cleaned.error(), {{"handle", handle}});
  }
  DMC_TRY(lock, make_dir(handle, files));
  logger_.info("create.starting", {{"handle", handle}});
  if (auto started = start_container(handle, spec.image, files.state); !started) {
    logger_.info("create.rolling-back", {{"handle", handle}, {"why", started.error().message}});
    if (auto undone = tear_down(handle); !undone) {
      logger_.error("create.roll-back-failed", undone.error(), {{"handle", handle}});
    }
    return started.error();
  }
  logger_.info("create.done", {{"handle", handle}});
  return handle;
}

Result<depot::ContainerLock> Containerizer::make_dir(const std::string& handle,
                                                     const depot::NewContainer& files) {
  if (config_.max_containers == 0) return depot_.create(handle, files);
  // Within this process, no other create adds one between the count and
  // the rename; a create of another process may (the limit is a server's).
  std::lock_guard hold(counting_);
  DMC_TRY(existing, depot_.handles());
  if (existing.size() >= config_.max_containers) {
    return make_error(ErrorKind::Unavailable, "max containers reached");
  }
  return depot_.create(handle, files);
}

Result<void> Containerizer::start_container(const std::string& handle, const std::string& image,
                                            depot::ContainerState state) {
  const auto dir = depot_.dir(handle);
  const auto pid_file = depot_.path(handle, names::kInitPid);
  DMC_CHECK(mounter_.mount(image, depot_.path(handle, names::kUpper),
                           depot_.path(handle, names::kWork),
                           depot_.path(handle, names::kRootfs)));
  DMC_TRY(kit, runtime_of(state));
  DMC_CHECK(kit.runtime.run(handle, dir, pid_file));
  DMC_TRY(pid, read_pid_file(pid_file));
  // With its pid, the init's start time names it for the life of the host:
  // a later command proves the pid by it before entering or signalling.
  auto started = proc::start_time(pid);
  if (!started) return started.error().wrap("container's init");
  state.status = depot::Status::Running;
  state.init_pid = pid;
  state.init_start_time = *started;
  DMC_CHECK(depot_.write_state(handle, state));
  // The container is complete: its first event makes its journal.
  DMC_CHECK(journal_of(handle).append(journal::types::kCreate, {}, journal::Create::Yes));
  recorded_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

Result<void> Containerizer::destroy(const std::string& handle) {
  DMC_CHECK(depot::validate_handle(handle));
  if (supervision_) {
    if (auto released = supervision_->release(handle); !released) {
      logger_.error("destroy.release-supervisor-failed", released.error(), {{"handle", handle}});
    }
  }
  // A create killed before its rename left files only, under a temporary name.
  DMC_TRY(temporaries, depot_.remove_temporaries(handle));
  auto lock = this->lock(handle);
  if (!lock && lock.error().kind == ErrorKind::ContainerNotFound && temporaries > 0) return {};
  if (!lock) return lock.error();
  logger_.info("destroy.starting", {{"handle", handle}});
  DMC_CHECK(tear_down(handle));
  logger_.info("destroy.done", {{"handle", handle}});
  return {};
}

// Every step is idempotent, so that a destroy that failed half way can be
// repeated and finishes the job.
Result<void> Containerizer::tear_down(const std::string& handle) {
  auto state = depot_.read_state(handle);
  // Only a container made by a dmc from before states were written first,
  // or whose state.json was damaged, has none: the chosen runtime made it.
  OciRuntime* runtime = &runtimes_.for_new().runtime;
  if (state) {
    DMC_TRY(kit, runtime_of(*state));
    runtime = &kit.runtime;
  }
  // Frozen, nothing dies: paused, or what a killed stop left.
  DMC_CHECK(stopper_.thaw(cgroup_path(handle)));
  DMC_TRY(killed, kill_init(init_to_kill(handle, state ? &*state : nullptr)));
  DMC_CHECK(tracker().stop_shims(processes_dir(handle)));
  DMC_TRY(hierarchies, cgroup::hierarchies());
  // Killed here, the init is dead and with it every process of its pid
  // namespace: the cgroups are empty and go before the runtime's delete,
  // which then has none to freeze, search and thaw (3 ms of crun's delete).
  // Else the runtime's forced delete kills what is left, then they go.
  if (killed) DMC_CHECK(cgroup::remove(hierarchies, cgroup_path(handle)));
  DMC_CHECK(remove_from_runtime(*runtime, handle, killed));
  DMC_CHECK(mounter_.unmount(depot_.path(handle, names::kRootfs)));
  DMC_CHECK(cgroup::remove(hierarchies, cgroup_path(handle)));
  // Its events are kept if they can be; a destroy never fails for them.
  if (auto archived = archive_journal(handle, state ? state->created_at_ns : now_ns()); !archived) {
    logger_.error("destroy.archive-journal-failed", archived.error(), {{"handle", handle}});
  }
  return depot_.remove(handle);
}

// A plain delete once the init is known dead is fast; a forced one kills
// (and waits ~100 ms in runc). The forced one is also the fallback when the
// runtime still sees the dead init, which happens until its zombie is reaped.
Result<void> Containerizer::remove_from_runtime(OciRuntime& runtime, const std::string& handle,
                                               bool init_dead) {
  auto removed = runtime.remove(handle, !init_dead);
  if (!removed && init_dead && removed.error().kind != ErrorKind::NotFound) {
    logger_.debug("destroy.forced-delete", {{"handle", handle}, {"why", removed.error().message}});
    removed = runtime.remove(handle, true);
  }
  if (!removed && removed.error().kind != ErrorKind::NotFound) {
    return removed.error().wrap("destroy " + handle);
  }
  return {};
}

std::string Containerizer::cgroup_path(const std::string& handle) const {
  return config_.cgroup_parent + "/" + handle;
}

std::string Containerizer::processes_dir(const std::string& handle) const {
  return depot_.path(handle, names::kProcesses);
}

// A finished container (a half-made one is as good as unknown).
Result<void> Containerizer::check_exists(const std::string& handle) const {
  DMC_CHECK(depot::validate_handle(handle));
  auto state = depot_.read_state(handle);
  if (!state && (state.error().kind == ErrorKind::NotFound ||
                 state.error().kind == ErrorKind::ContainerNotFound)) {
    return make_error(ErrorKind::ContainerNotFound, "unknown handle: {}", handle);
  }
  if (!state) return state.error();
  return {};
}

Result<depot::ContainerLock> Containerizer::lock(const std::string& handle) const {
  return depot_.lock(handle, config_.lock_wait);
}

Result<RuntimeKit> Containerizer::runtime_of(const depot::ContainerState& state) const {
  if (state.runtime.empty()) return runtimes_.for_new();
  return runtimes_.made_by(state.runtime, state.runtime_root);
}

const process_tracker::Tracker& Containerizer::tracker() const {
  return runtimes_.for_new().tracker;
}

// The init a destroy must kill: the recorded one, proven; or, when the
// create was killed before it recorded the pid, the runtime's pid file,
// proven by the container's cgroup alone.
proc::Claim Containerizer::init_to_kill(const std::string& handle,
                                        const depot::ContainerState* record) const {
  if (record && record->init_pid > 0) return init_claim(handle, *record);
  auto pid = read_pid_file(depot_.path(handle, names::kInitPid));
  return {.pid = pid.value_or(0), .start_time = 0, .cgroup = cgroup_path(handle)};
}

Result<size_t> Containerizer::clean_leftovers() {
  DMC_TRY(names, depot_.leftovers());
  size_t cleaned = 0;
  for (const auto& name : names) {
    logger_.info("clean-leftover", {{"name", name}});
    Result<void> removed = name.starts_with(depot::names::kTempPrefix)
                               ? depot_.remove(name)
                               : destroy(name);
    if (!removed) {
      logger_.error("clean-leftover.failed", removed.error(), {{"name", name}});
      continue;
    }
    ++cleaned;
  }
  return cleaned;
}

}  // namespace dmc::containerizer
