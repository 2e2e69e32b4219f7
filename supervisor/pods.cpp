#include "supervisor/pods.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <set>
#include <thread>

#include <fmt/format.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/name.hpp"
#include "common/process_proof.hpp"

namespace dmc::supervisor {
namespace {

using namespace std::chrono_literals;

constexpr auto kPoll = 20ms;
constexpr auto kSupervisorStart = 10s;
constexpr auto kSupervisorLeave = 5s;
// A pod supervisor that fails this often (it logs why) ends up's wait.
constexpr int kMaxSupervisorStarts = 5;

template <class Predicate>
bool wait_until(std::chrono::milliseconds limit, Predicate ready) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Every container name once, each making a valid handle.
Result<std::vector<std::string>> handles_of(const std::string& pod, const PodSpec& spec) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto* list : {&spec.init_containers, &spec.containers}) {
    for (const auto& c : *list) {
      if (!seen.insert(c.name).second) {
        return make_error(ErrorKind::Invalid, "pod spec: container name '{}' is used twice", c.name);
      }
      DMC_TRY(handle, pod_handle(pod, c.name));
      out.push_back(std::move(handle));
    }
  }
  return out;
}

}  // namespace

bool pod_supervisor_running(const PodStore& store) {
  auto lock = store.lock(pod_files::kSupervisorLock, false);
  return !lock && lock.error().kind == ErrorKind::Unavailable;
}

Pods::Pods(containerizer::Containerizer& containerizer, Services& services, std::string depot,
           LaunchConfig launch, Logger logger)
    : containerizer_(containerizer),
      services_(services),
      depot_(std::move(depot)),
      launch_(std::move(launch)),
      logger_(std::move(logger)) {}

PodStore Pods::store_of(const std::string& name) const { return PodStore(depot_, name); }

Result<PodView> Pods::up(std::string_view spec_text, const std::string& name) {
  DMC_CHECK(validate_name("pod name", name));
  DMC_TRY(spec, parse_pod_spec(spec_text));
  DMC_TRY(handles, handles_of(name, spec));
  auto store = store_of(name);
  if (store.check()) return make_error(ErrorKind::AlreadyExists, "pod '{}' already exists", name);
  for (const auto& handle : handles) {
    if (containerizer_.info(handle)) {
      return make_error(ErrorKind::AlreadyExists, "pod '{}': container '{}' already exists", name,
                        handle);
    }
  }
  DMC_CHECK(store.create(spec));
  logger_.info("pods.up", {{"pod", name}});
  DMC_TRY(started, ensure_supervisor(store));
  int starts = started ? 1 : 0;
  auto next_check = std::chrono::steady_clock::now() + 1s;
  for (;;) {
    DMC_TRY(status, store.status());
    if (status.phase != PodPhase::Initializing) break;
    if (std::chrono::steady_clock::now() >= next_check) {  // one killed meanwhile comes back
      DMC_TRY(again, ensure_supervisor(store));
      if (again && ++starts > kMaxSupervisorStarts) {
        return make_error(ErrorKind::Unavailable, "the supervisor of pod '{}' keeps failing: see {}",
                          name, store.path(pod_files::kSupervisorLog));
      }
      next_check = std::chrono::steady_clock::now() + 1s;
    }
    std::this_thread::sleep_for(kPoll);
  }
  return view(store);
}

Result<PodView> Pods::status(const std::string& name) {
  auto store = store_of(name);
  DMC_TRY(status, store.status());
  if (status.phase == PodPhase::Initializing) DMC_CHECK(ensure_supervisor(store));  // started or not
  return view(store);
}

Result<std::vector<std::string>> Pods::list() const { return pod_names(depot_); }

Result<void> Pods::down(const std::string& name) {
  DMC_CHECK(validate_name("pod name", name));
  auto store = store_of(name);
  DMC_CHECK(store.check());
  DMC_CHECK(release(store));
  DMC_TRY(handles, containerizer_.handles({{std::string(kPodProperty), name}}));
  for (const auto& handle : handles) {
    auto destroyed = containerizer_.destroy(handle);
    if (!destroyed && destroyed.error().kind != ErrorKind::ContainerNotFound) {
      return destroyed.error();
    }
  }
  logger_.info("pods.down", {{"pod", name}});
  return store.remove();
}

Result<bool> Pods::ensure_supervisor(const PodStore& store) {
  if (pod_supervisor_running(store)) return false;
  DMC_TRY(spawning, store.lock(pod_files::kSpawnLock, true));
  if (pod_supervisor_running(store)) return false;
  std::string log_path = store.path(pod_files::kSupervisorLog);
  DMC_TRY(pid, launch_supervisor(launch_, {"--pod", store.pod()}, log_path));
  logger_.info("pods.supervisor-started", {{"pod", store.pod()}, {"pid", std::to_string(pid)}});
  // It may have finished the pod and left already: the status says so.
  bool started = wait_until(kSupervisorStart, [&] {
    auto status = store.status();
    return pod_supervisor_running(store) || !status || status->phase != PodPhase::Initializing;
  });
  if (!started) {
    return make_error(ErrorKind::Unavailable, "the supervisor of pod '{}' did not start: see {}",
                      store.pod(), log_path);
  }
  return true;
}

Result<void> Pods::release(const PodStore& store) {
  if (!pod_supervisor_running(store)) return {};
  DMC_TRY(text, read_file(store.path(pod_files::kSupervisorPid)));
  proc::Claim claim;
  if (std::sscanf(text.c_str(), "%d %lu", &claim.pid, &claim.start_time) != 2) {
    return make_error(ErrorKind::Invalid, "{}: not a pid and start time",
                      store.path(pod_files::kSupervisorPid));
  }
  auto pidfd = proc::pidfd_proven(claim);
  if (!pidfd) return {};  // it has just left
  for (int signal : {SIGTERM, SIGKILL}) {
    ::syscall(SYS_pidfd_send_signal, pidfd->get(), signal, nullptr, 0);
    if (wait_until(kSupervisorLeave, [&] { return !proc::alive(pidfd->get()); })) return {};
  }
  return make_error(ErrorKind::Unavailable, "the supervisor of pod '{}' does not end",
                    store.pod());
}

void Pods::record(const std::string& handle, const std::string& pod, std::string_view action,
                  journal::Fields fields) {
  fields.insert(fields.begin(), journal::string_field("action", action));
  fields.insert(fields.begin(), journal::string_field("pod", pod));
  containerizer_.record_event(handle, "pod", fields);
}

}  // namespace dmc::supervisor
