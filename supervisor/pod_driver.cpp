// The pod supervisor's side of Pods: drive() carries a pod from its
// status.json to running or failed, one level-triggered step at a time, so
// that a supervisor killed anywhere is taken over by the next one.
#include <poll.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "common/process_proof.hpp"
#include "supervisor/pods.hpp"

namespace dmc::supervisor {
namespace {

constexpr int kClaimAttempts = 50;
constexpr useconds_t kClaimPauseUs = 20'000;
constexpr int kExitPollMs = 50;

// True when stop_fd became readable within ms.
bool stopped(int stop_fd, int ms) {
  pollfd p{.fd = stop_fd, .events = POLLIN, .revents = 0};
  return ::poll(&p, 1, ms) > 0;
}

Result<UniqueFd> claim_lock(const PodStore& store) {
  // A front door checking whether a supervisor runs holds the lock for an
  // instant: try a while before deciding that another one has it.
  for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
    auto lock = store.lock(pod_files::kSupervisorLock, false);
    if (lock || lock.error().kind != ErrorKind::Unavailable) return lock;
    ::usleep(kClaimPauseUs);
  }
  return make_error(ErrorKind::Unavailable, "pod '{}' has a supervisor", store.pod());
}

void fail(PodStatus& status, std::string error) {
  status.phase = PodPhase::Failed;
  status.error = std::move(error);
}

}  // namespace

Result<bool> Pods::drive(const std::string& name, int stop_fd) {
  auto store = store_of(name);
  auto lock = claim_lock(store);
  if (!lock) return lock.error().kind == ErrorKind::Unavailable ? Result<bool>(false) : lock.error();
  DMC_TRY(start, proc::start_time(::getpid()));
  DMC_CHECK(atomic_write_file(store.path(pod_files::kSupervisorPid),
                              fmt::format("{} {}\n", ::getpid(), start)));
  DMC_TRY(status, store.status());
  while (status.phase == PodPhase::Initializing) {
    if (stopped(stop_fd, 0)) return true;
    DMC_CHECK(step(store, status, stop_fd));
  }
  logger_.info("pods.settled", {{"pod", name}, {"phase", std::string(to_string(status.phase))}});
  return true;
}

// One step: the next (or the current) init container, else the main ones.
Result<void> Pods::step(const PodStore& store, PodStatus& status, int stop_fd) {
  DMC_TRY(spec, store.spec());
  const auto& inits = spec.init_containers;
  bool current_ran = !status.inits.empty() && status.inits.back().exit_status;
  if (current_ran && *status.inits.back().exit_status != 0) {
    return finish_init(store, status, inits[status.inits.size() - 1]);
  }
  if (status.inits.size() < inits.size() || (!status.inits.empty() && !current_ran)) {
    size_t index = status.inits.empty() || current_ran ? status.inits.size() : status.inits.size() - 1;
    return run_init(store, status, inits[index], stop_fd);
  }
  for (size_t i = status.mains_made; i < spec.containers.size(); ++i) {
    if (auto made = make_main(store, spec.containers[i], spec.restart); !made) {
      fail(status, fmt::format("container '{}': {}", spec.containers[i].name, made.error().message));
      return store.write_status(status);
    }
    status.mains_made = i + 1;
    DMC_CHECK(store.write_status(status));
  }
  status.phase = PodPhase::Running;
  DMC_CHECK(store.write_status(status));
  for (const auto& c : spec.containers) {
    DMC_TRY(handle, pod_handle(store.pod(), c.name));
    record(handle, store.pod(), "running");
  }
  return {};
}

// Runs one init container to its end (or, when its record says it runs
// already, waits for it), records its exit and destroys it. A record with
// no process id cannot tell whether the process was started (the last
// supervisor was killed between run and recording it): the container is
// then made again and the process run again, from the start.
Result<void> Pods::run_init(const PodStore& store, PodStatus& status, const PodContainer& c,
                            int stop_fd) {
  DMC_TRY(handle, pod_handle(store.pod(), c.name));
  if (status.inits.empty() || status.inits.back().exit_status) {
    status.inits.push_back(InitRecord{.name = c.name});
    DMC_CHECK(store.write_status(status));
  }
  InitRecord& record_of = status.inits.back();
  if (record_of.process_id.empty()) {
    if (auto made = make_container(store.pod(), handle, c); !made) {
      (void)containerizer_.destroy(handle);
      fail(status, fmt::format("init container '{}': {}", c.name, made.error().message));
      return store.write_status(status);
    }
    auto id = containerizer_.run(handle, c.process);
    if (!id) {
      record(handle, store.pod(), "failed", {journal::string_field("error", id.error().message)});
      (void)containerizer_.destroy(handle);
      fail(status, fmt::format("init container '{}': {}", c.name, id.error().message));
      return store.write_status(status);
    }
    record_of.process_id = *id;
    record_of.started_ns = now_ns();
    DMC_CHECK(store.write_status(status));
  }
  DMC_TRY(exit, wait_exit(handle, record_of.process_id, stop_fd));
  if (!exit) return {};  // stopped: the next supervisor carries on
  record_of.exit_status = *exit;
  record_of.finished_ns = now_ns();
  record(handle, store.pod(), "init-exited", {journal::int_field("exit_status", *exit)});
  if (*exit != 0) record(handle, store.pod(), "failed");
  DMC_CHECK(store.write_status(status));
  return finish_init(store, status, c);
}

// The init container goes; then a non-zero exit fails the pod (its record
// written first: a supervisor killed here does this again, the exit known).
Result<void> Pods::finish_init(const PodStore& store, PodStatus& status, const PodContainer& c) {
  DMC_TRY(handle, pod_handle(store.pod(), c.name));
  auto destroyed = containerizer_.destroy(handle);
  if (!destroyed && destroyed.error().kind != ErrorKind::ContainerNotFound) return destroyed.error();
  int exit = status.inits.back().exit_status.value_or(0);
  if (exit == 0) return {};
  fail(status, fmt::format("init container '{}' exited with status {}", c.name, exit));
  return store.write_status(status);
}

// The process's exit status once it ended (-1 when it was lost, or its
// container went); nullopt when stop_fd became readable first.
Result<std::optional<int>> Pods::wait_exit(const std::string& handle, const std::string& id,
                                           int stop_fd) {
  for (;;) {
    auto processes = containerizer_.processes(handle);
    if (!processes && processes.error().kind == ErrorKind::ContainerNotFound) return -1;
    if (!processes) return processes.error();
    const process_tracker::ProcessInfo* found = nullptr;
    for (const auto& p : *processes) {
      if (p.id == id) found = &p;
    }
    if (!found) return -1;
    if (found->state != "running") return found->exit_status.value_or(-1);
    if (stopped(stop_fd, kExitPollMs)) return std::optional<int>{};
  }
}

// A container of the pod, made fresh: a leftover of a killed supervisor goes first.
Result<void> Pods::make_container(const std::string& pod, const std::string& handle,
                                  const PodContainer& c) {
  auto gone = containerizer_.destroy(handle);
  if (!gone && gone.error().kind != ErrorKind::ContainerNotFound) return gone.error();
  containerizer::CreateRequest request{.handle = handle, .image = c.rootfs};
  request.properties[std::string(kPodProperty)] = pod;
  DMC_TRY(made, containerizer_.create(request));
  (void)made;
  return {};
}

Result<void> Pods::make_main(const PodStore& store, const PodContainer& c,
                             RestartPolicy restart) {
  DMC_TRY(handle, pod_handle(store.pod(), c.name));
  DMC_CHECK(make_container(store.pod(), handle, c));
  ServiceSpec service;
  service.name = std::string(kMainService);
  service.process = c.process;
  service.restart = restart;
  service.liveness = c.liveness;
  service.readiness = c.readiness;
  service.startup = c.startup;
  DMC_TRY(added, services_.add(handle, service));
  (void)added;
  return {};
}

}  // namespace dmc::supervisor
