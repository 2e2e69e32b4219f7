// The supervisor's side jobs: the control sockets and their sentinel files,
// and the post-start commands of each generation.
#include <signal.h>

#include <fmt/format.h>

#include "common/fs.hpp"
#include "supervisor/service_supervisor.hpp"

namespace dmc::supervisor {
namespace {

// The pid in the container's pid namespace (the last of NSpid).
std::string container_pid(int host_pid) {
  auto text = read_file(fmt::format("/proc/{}/status", host_pid));
  if (!text) return {};
  size_t at = text->find("\nNSpid:");
  if (at == std::string::npos) return {};
  size_t end = text->find('\n', at + 1);
  std::string line = text->substr(at + 7, end - at - 7);
  size_t last = line.find_last_of(" \t");
  return last == std::string::npos ? line : line.substr(last + 1);
}

process_tracker::ProcessSpec shell(const ServiceSpec& spec, const std::string& id,
                                   const std::string& command) {
  process_tracker::ProcessSpec p;
  p.id = id;
  p.path = "/bin/sh";
  p.args = {"-c", command};
  p.env = spec.process.env;
  p.dir = spec.process.dir;
  p.user = spec.process.user;
  p.group = group_of(spec.name);
  return p;
}

}  // namespace

void ServiceSupervisor::keep_socket(Service& service) {
  const std::string& path = service.spec.control_socket;
  if (path.empty() || (service.socket && service.socket->still_bound())) return;
  auto bound = ControlSocket::bind(paths_.rootfs, path);
  if (!bound) {
    if (!service.socket_failed) {
      logger_.error("supervisor.control-socket-failed", bound.error(),
                    {{"service", service.spec.name}});
    }
    service.socket_failed = true;  // tried on every tick, logged once
    return;
  }
  service.socket_failed = false;
  service.socket.emplace(std::move(*bound));
  service.sentinel.reset();  // written again next to the new socket
}

void ServiceSupervisor::keep_sentinels(Service& service, const Status& status) {
  if (!service.socket) return;
  bool want = status.phase == Phase::Running;
  if (service.sentinel == want) return;
  Sentinels files = sentinels_of(service.spec.control_socket);
  if (!want) {
    service.socket->remove_file(files.running);
    service.socket->remove_file(files.pid);
    service.sentinel = false;
    return;
  }
  auto it = processes_.find(status.process_id);
  std::string pid = it == processes_.end() || it->second.pid <= 0 ? "" : container_pid(it->second.pid);
  if (pid.empty()) return;  // not known yet: the next tick writes both
  auto written = service.socket->put_file(files.pid, pid + "\n");
  if (written) written = service.socket->put_file(files.running, "");
  if (!written) {
    logger_.error("supervisor.sentinel-failed", written.error(), {{"service", service.spec.name}});
    return;
  }
  service.sentinel = true;
}

void ServiceSupervisor::read_sockets() {
  for (auto& [name, service] : services_) {
    if (!service.socket) continue;
    while (auto command = service.socket->receive()) this->command(service, *command);
  }
}

void ServiceSupervisor::command(Service& service, Command command) {
  const std::string& name = service.spec.name;
  logger_.info("supervisor.command", {{"service", name}, {"command", std::string(to_string(command))}});
  if (command == Command::Quit) {
    engine_.record(handle_, name, {"quit", {{"by", "socket"}}});
    if (auto sent = engine_.signal_group(handle_, group_of(name), SIGQUIT); !sent) {
      logger_.error("supervisor.quit-failed", sent.error(), {{"service", name}});
    }
    return;
  }
  Ask ask = command == Command::Stop ? Ask::Stop : Ask::Start;
  auto asked = store_->update_control(name, [&](Control& c) { apply(c, ask); });
  if (!asked) {
    logger_.error("supervisor.command-failed", asked.error(), {{"service", name}});
    return;
  }
  engine_.record(handle_, name, {std::string(to_string(ask)), {{"by", "socket"}}});
}

int64_t ServiceSupervisor::post_start(Service& service, Status& status, int64_t now_ns) {
  if (service.spec.post_start.empty() || status.post_started >= status.generation) return 0;
  if (service.post.generation != status.generation) {
    service.post = {};
    service.post.generation = status.generation;
  }
  auto done = post_start_step(service, status, now_ns);
  if (!done) {
    logger_.error("supervisor.post-start-failed", done.error(), {{"service", service.spec.name}});
    service.post.next_try_ns = now_ns + kConditionPeriodNs;
  }
  if (status.post_started >= status.generation) return 0;
  return service.post.next_try_ns;
}

// One step of: the condition every 3 s until it exits 0, then the command.
Result<bool> ServiceSupervisor::post_start_step(Service& service, Status& status,
                                                int64_t now_ns) {
  const ServiceSpec& spec = service.spec;
  PostStart& post = service.post;
  auto finish = [&](std::string result) {
    status.post_started = status.generation;
    engine_.record(handle_, spec.name, {"post-start", {{"result", std::move(result)}}});
  };
  if (now_ns > status.started_ns + kPostStartTimeoutNs) {
    finish("condition timed out");
    return false;
  }
  bool ready = spec.post_start_condition.empty();
  if (!post.process.empty()) {
    auto it = processes_.find(post.process);
    if (it != processes_.end() && it->second.state == "running") return false;
    ready = it != processes_.end() && it->second.exit_status == 0;
    (void)engine_.forget_process(handle_, post.process);
    post.process.clear();
  }
  if (ready) {
    std::string id = fmt::format("{}.post-start", status.process_id);
    DMC_TRY(ran, engine_.run(handle_, shell(spec, id, spec.post_start)));
    finish("started " + ran);
    return true;
  }
  if (now_ns < post.next_try_ns) return false;
  std::string id = fmt::format("{}.condition-{}", status.process_id, ++post.tries);
  DMC_TRY(ran, engine_.run(handle_, shell(spec, id, spec.post_start_condition)));
  post.process = ran;
  post.next_try_ns = now_ns + kConditionPeriodNs;
  return false;
}

}  // namespace dmc::supervisor
