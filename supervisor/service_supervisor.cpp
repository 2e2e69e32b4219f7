#include "supervisor/service_supervisor.hpp"

#include <signal.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "common/clock.hpp"
#include "common/fs.hpp"

namespace dmc::supervisor {
namespace {

int64_t earliest(int64_t a, int64_t b) {
  if (a == 0) return b;
  if (b == 0) return a;
  return std::min(a, b);
}

Observed::Process process_state(const process_tracker::ProcessInfo& info) {
  if (info.state == "running") return Observed::Process::Running;
  if (info.state == "exited") return Observed::Process::Exited;
  return Observed::Process::Lost;
}

}  // namespace

ServiceSupervisor::ServiceSupervisor(Engine& engine, std::string handle, Logger logger)
    : engine_(engine), handle_(std::move(handle)), logger_(std::move(logger)) {}

Result<void> ServiceSupervisor::load(const std::string& name) {
  DMC_TRY(spec, store_->spec(name));
  services_[name].spec = std::move(spec);
  return {};
}

Result<int64_t> ServiceSupervisor::tick(int64_t now_ns) {
  if (!store_) {
    DMC_TRY(paths, engine_.paths(handle_));
    paths_ = std::move(paths);
    store_.emplace(paths_.dir, handle_);
  }
  DMC_TRY(running, engine_.running(handle_));
  container_running_ = running;
  DMC_TRY(names, store_->names());
  std::erase_if(services_, [&](const auto& entry) {
    return !std::binary_search(names.begin(), names.end(), entry.first);
  });
  DMC_CHECK(read_processes());
  int64_t wake = 0;
  for (const auto& name : names) {
    if (!services_.contains(name)) {
      if (auto loaded = load(name); !loaded) {
        logger_.error("supervisor.load-failed", loaded.error(), {{"service", name}});
        continue;
      }
    }
    auto next = tick_one(name, now_ns);
    if (!next) {
      logger_.error("supervisor.tick-failed", next.error(), {{"service", name}});
      continue;
    }
    wake = earliest(wake, *next);
  }
  return wake;
}

Result<void> ServiceSupervisor::read_processes() {
  DMC_TRY(list, engine_.processes(handle_));
  processes_.clear();
  for (auto& info : list) processes_.emplace(info.id, std::move(info));
  return {};
}

Result<Observed> ServiceSupervisor::observe(const Service& service, const Status& status,
                                            int64_t now_ns) {
  Observed o;
  o.now_ns = now_ns;
  o.container_running = container_running_;
  if (auto it = processes_.find(status.process_id); it != processes_.end()) {
    o.process = process_state(it->second);
    o.exit_status = it->second.exit_status;
  }
  DMC_TRY(members, engine_.group_members(handle_, group_of(service.spec.name)));
  o.members = members.size();
  return o;
}

Result<int64_t> ServiceSupervisor::tick_one(const std::string& name, int64_t now_ns) {
  Service& service = services_.at(name);
  DMC_TRY(control, store_->control(name));
  DMC_TRY(status, store_->status(name));
  const std::string before = to_json(status);
  adopt(service, status, now_ns);
  DMC_TRY(observed, observe(service, status, now_ns));
  Step step = decide(service.spec, control, status, observed);
  for (const auto& note : step.notes) engine_.record(handle_, name, note);
  if (step.action == Action::Remove) {
    remove(name);
    return 0;
  }
  act(service, status, step.action, now_ns);
  // The new generation's pid, for its sentinel files.
  if (step.action == Action::Start) DMC_CHECK(read_processes());
  int64_t wake = step.wake_ns;
  if (status.phase == Phase::Running) wake = earliest(wake, post_start(service, status, now_ns));
  wake = earliest(wake, probe(service, status, control, now_ns));
  keep_socket(service);
  keep_sentinels(service, status);
  if (to_json(status) != before) DMC_CHECK(store_->write_status(name, status));
  return wake;
}

void ServiceSupervisor::act(Service& service, Status& status, Action action, int64_t now_ns) {
  const std::string group = group_of(service.spec.name);
  Result<void> done;
  switch (action) {
    case Action::Start: start(service, status, now_ns); return;
    case Action::Term: done = engine_.signal_group(handle_, group, SIGTERM); break;
    case Action::Kill:
      engine_.record(handle_, service.spec.name, {"kill", {}});
      done = engine_.kill_group(handle_, group);
      break;
    case Action::None:
    case Action::Remove: return;
  }
  if (!done) logger_.error("supervisor.signal-failed", done.error(), {{"service", service.spec.name}});
}

// A supervisor killed between its run and its status write left the next
// generation running: adopt it, never start it twice.
void ServiceSupervisor::adopt(Service& service, Status& status, int64_t now_ns) {
  if (status.phase == Phase::Running) return;
  std::string id = process_id_of(service.spec.name, status.generation + 1);
  if (!processes_.contains(id)) return;
  logger_.info("supervisor.adopted", {{"service", service.spec.name}, {"process", id}});
  engine_.record(handle_, service.spec.name, started(status, id, now_ns));
}

void ServiceSupervisor::start(Service& service, Status& status, int64_t now_ns) {
  const std::string& name = service.spec.name;
  std::string id = process_id_of(name, status.generation + 1);
  auto spec = service.spec.process;
  spec.id = id;
  spec.group = group_of(name);
  auto ran = engine_.run(handle_, spec);
  if (!ran) {
    logger_.error("supervisor.start-failed", ran.error(), {{"service", name}});
    start_failed(service.spec, status, ran.error().message, now_ns);
    engine_.record(handle_, name, {"start-failed", {{"error", ran.error().message}}});
    return;
  }
  engine_.record(handle_, name, started(status, id, now_ns));
  logger_.info("supervisor.started", {{"service", name}, {"process", id}});
}

void ServiceSupervisor::remove(const std::string& name) {
  Service& service = services_.at(name);
  if (auto gone = engine_.remove_group(handle_, group_of(name)); !gone) {
    logger_.error("supervisor.remove-group-failed", gone.error(), {{"service", name}});
    return;  // tried again on the next tick
  }
  if (service.socket) {
    Sentinels files = sentinels_of(service.spec.control_socket);
    service.socket->remove_file(files.running);
    service.socket->remove_file(files.pid);
    service.socket->unlink();
  }
  if (auto removed = store_->remove(name); !removed) {
    logger_.error("supervisor.remove-failed", removed.error(), {{"service", name}});
    return;
  }
  engine_.record(handle_, name, {"remove", {}});
  services_.erase(name);
}

}  // namespace dmc::supervisor
