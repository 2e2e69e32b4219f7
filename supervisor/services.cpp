#include "supervisor/services.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <thread>

#include <fmt/format.h>

#include "common/child.hpp"
#include "common/clock.hpp"
#include "common/fs.hpp"
#include "common/process_proof.hpp"

namespace dmc::supervisor {
namespace {

using namespace std::chrono_literals;

constexpr auto kPoll = 20ms;
constexpr auto kSupervisorStart = 10s;
constexpr auto kSupervisorLeave = 5s;
constexpr auto kStartWait = 60s;
constexpr auto kStopWaitBeyondGrace = 30s;

bool in(Phase phase, std::initializer_list<Phase> phases) {
  return std::find(phases.begin(), phases.end(), phase) != phases.end();
}

// Whether the ask has been carried out, from what the supervisor recorded.
bool done(Ask ask, const Status& s, const Status& before, uint64_t seq) {
  if (s.seen_seq < seq) return false;
  switch (ask) {
    case Ask::Stop:
    case Ask::Remove: return in(s.phase, {Phase::Stopped, Phase::Finished, Phase::Failed});
    case Ask::Restart:
      if (s.restart_pending) return false;
      [[fallthrough]];
    case Ask::Start:
      if (s.generation > before.generation) return true;  // it started (it may have ended since)
      if (ask == Ask::Start && s.phase == Phase::Running) return true;  // it ran already
      return s.failures > before.failures || s.phase == Phase::Failed;  // it could not start
  }
  return true;
}

// A start or restart that found no new generation running: why.
Result<void> check_started(Ask ask, const ServiceView& view, const Status& before) {
  const Status& s = view.status;
  if (ask != Ask::Start && ask != Ask::Restart) return {};
  if (s.generation > before.generation || (ask == Ask::Start && s.phase == Phase::Running)) {
    return {};
  }
  return make_error(ErrorKind::Unavailable, "service '{}' did not start: {}", view.spec.name,
                    s.error.empty() ? std::string(to_string(s.phase)) : s.error);
}

template <class Predicate>
bool wait_until(std::chrono::milliseconds limit, Predicate ready) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

Result<proc::Claim> supervisor_claim(const ServiceStore& store) {
  DMC_TRY(text, read_file(store.path(files::kSupervisorPid)));
  proc::Claim claim;
  if (std::sscanf(text.c_str(), "%d %lu", &claim.pid, &claim.start_time) != 2) {
    return make_error(ErrorKind::Invalid, "{}: not a pid and start time", store.path(files::kSupervisorPid));
  }
  return claim;
}

}  // namespace

bool supervisor_running(const ServiceStore& store) {
  auto lock = store.lock(files::kSupervisorLock, false);
  return !lock && lock.error().kind == ErrorKind::Unavailable;
}

Services::Services(Engine& engine, LaunchConfig launch, Logger logger)
    : engine_(engine), launch_(std::move(launch)), logger_(std::move(logger)) {}

Result<ServiceStore> Services::store_of(const std::string& handle) const {
  DMC_TRY(paths, engine_.paths(handle));
  return ServiceStore(paths.dir, handle);
}

Result<void> Services::ensure_supervisor(const ServiceStore& store) {
  if (supervisor_running(store)) return {};
  DMC_TRY(spawning, store.lock(files::kSpawnLock, true));
  if (supervisor_running(store)) return {};
  std::string log_path = store.path(files::kSupervisorLog);
  DMC_TRY(pid, launch_supervisor(launch_, {"--handle", store.handle()}, log_path));
  logger_.info("services.supervisor-started", {{"handle", store.handle()}, {"pid", std::to_string(pid)}});
  // Running once it holds the lock and its pid file names it (release
  // reads that file).
  auto claimed = [&] {
    auto claim = supervisor_claim(store);
    return claim && claim->pid == pid && supervisor_running(store);
  };
  if (!wait_until(kSupervisorStart, claimed)) {
    return make_error(ErrorKind::Unavailable,
                      "the supervisor of container '{}' did not start: see {}", store.handle(),
                      log_path);
  }
  return {};
}

Result<ServiceView> Services::view(const ServiceStore& store, const std::string& name) const {
  ServiceView view;
  DMC_TRY(spec, store.spec(name));
  view.spec = std::move(spec);
  DMC_TRY(control, store.control(name));
  view.control = control;
  DMC_TRY(status, store.status(name));
  view.status = std::move(status);
  view.supervised = supervisor_running(store);
  return view;
}

Result<ServiceView> Services::add(const std::string& handle, const ServiceSpec& spec) {
  DMC_CHECK(validate(spec));
  DMC_TRY(running, engine_.running(handle));
  if (!running) {
    return make_error(ErrorKind::ContainerNotRunning,
                      "container '{}' is not running: a service starts only in a running one",
                      handle);
  }
  DMC_TRY(store, store_of(handle));
  DMC_CHECK(store.add(spec));
  engine_.record(handle, spec.name, {"add", {}});
  DMC_CHECK(ensure_supervisor(store));
  return wait_done(store, spec, Ask::Start, Status{}, 0);
}

Result<std::vector<ServiceView>> Services::list(const std::string& handle) {
  DMC_TRY(store, store_of(handle));
  DMC_TRY(names, store.names());
  if (!names.empty()) DMC_CHECK(ensure_supervisor(store));
  std::vector<ServiceView> out;
  for (const auto& name : names) {
    DMC_TRY(one, view(store, name));
    out.push_back(std::move(one));
  }
  return out;
}

Result<ServiceView> Services::get(const std::string& handle, const std::string& name) {
  DMC_TRY(store, store_of(handle));
  DMC_CHECK(store.check(name));
  DMC_CHECK(ensure_supervisor(store));
  return view(store, name);
}

Result<ServiceView> Services::ask(const std::string& handle, const std::string& name, Ask ask,
                                  std::string_view by) {
  DMC_TRY(store, store_of(handle));
  DMC_TRY(spec, store.spec(name));
  DMC_TRY(before, store.status(name));
  if (ask == Ask::Start || ask == Ask::Restart) {
    DMC_TRY(running, engine_.running(handle));
    if (!running) {
      return make_error(ErrorKind::ContainerNotRunning, "container '{}' is not running", handle);
    }
  }
  DMC_TRY(control, store.update_control(name, [&](Control& c) { apply(c, ask); }));
  engine_.record(handle, name, {std::string(to_string(ask)), {{"by", std::string(by)}}});
  DMC_CHECK(ensure_supervisor(store));
  return wait_done(store, spec, ask, before, control.seq);
}

Result<ServiceView> Services::wait_done(const ServiceStore& store, const ServiceSpec& spec,
                                        Ask ask, const Status& before, uint64_t seq) {
  const std::string& name = spec.name;
  auto limit = ask == Ask::Stop || ask == Ask::Remove || ask == Ask::Restart
                   ? spec.stop_grace + kStopWaitBeyondGrace + (ask == Ask::Restart ? kStartWait : 0ms)
                   : std::chrono::milliseconds(kStartWait);
  auto deadline = std::chrono::steady_clock::now() + limit;
  auto next_check = std::chrono::steady_clock::now() + 1s;
  for (;;) {
    if (ask == Ask::Remove && !store.check(name)) return ServiceView{spec, {}, {}, true};
    auto read = store.status(name);
    // The supervisor may remove the service between the check and the read.
    if (!read && ask == Ask::Remove && !store.check(name)) return ServiceView{spec, {}, {}, true};
    if (!read) return read.error();
    const Status& status = *read;
    if (ask != Ask::Remove && done(ask, status, before, seq)) {
      DMC_TRY(now, view(store, name));
      DMC_CHECK(check_started(ask, now, before));
      return now;
    }
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      return make_error(ErrorKind::Unavailable, "service '{}' of container '{}': {} not done within {} s: it is {}",
                        name, store.handle(), to_string(ask),
                        std::chrono::duration_cast<std::chrono::seconds>(limit).count(),
                        to_string(status.phase));
    }
    if (now >= next_check) {  // a supervisor killed meanwhile comes back
      DMC_CHECK(ensure_supervisor(store));
      next_check = now + 1s;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

Result<void> Services::release(const std::string& handle) {
  // Every destroy asks: most containers never had a supervisor.
  auto dir = engine_.container_dir(handle);
  if (!dir || !path_exists(ServiceStore(*dir, handle).path(files::kSupervisorLock))) return {};
  auto store = store_of(handle);
  if (!store) return store.error().kind == ErrorKind::ContainerNotFound ? Result<void>{} : store.error();
  if (!path_exists(store->dir()) || !supervisor_running(*store)) return {};
  DMC_TRY(claim, supervisor_claim(*store));
  auto pidfd = proc::pidfd_proven(claim);
  if (!pidfd) return {};  // it has just left
  for (int signal : {SIGTERM, SIGKILL}) {
    ::syscall(SYS_pidfd_send_signal, pidfd->get(), signal, nullptr, 0);
    if (wait_until(kSupervisorLeave, [&] { return !proc::alive(pidfd->get()); })) return {};
  }
  return make_error(ErrorKind::Unavailable, "the supervisor of container '{}' does not end",
                    handle);
}

}  // namespace dmc::supervisor
