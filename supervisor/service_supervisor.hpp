// The supervisor of one container's services: a loop that, for each
// service, reads what is asked and what the machine shows, decides
// (reconcile.hpp) and acts: starts generations, stops their groups (TERM,
// KILL after the grace), runs post-start commands, keeps the control
// sockets and kubecf's sentinel files. Everything it knows is in the
// depot, so a new supervisor carries on where a killed one stopped.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "common/result.hpp"
#include "supervisor/control_socket.hpp"
#include "supervisor/engine.hpp"
#include "supervisor/probe_state.hpp"
#include "supervisor/service_store.hpp"

namespace dmc::supervisor {

// quarks' numbers for the post-start condition.
inline constexpr int64_t kConditionPeriodNs = 3'000'000'000;
inline constexpr int64_t kPostStartTimeoutNs = 900'000'000'000;

class ServiceSupervisor {
 public:
  ServiceSupervisor(Engine& engine, std::string handle, Logger logger);

  // Takes the container's supervisor lock for the life of this object:
  // false when another supervisor holds it (then this one must not run).
  // ContainerNotFound when the container is gone.
  Result<bool> claim();
  // Supervises until the container is gone, no service is left, or stop_fd
  // turns readable (services keep running then).
  Result<void> run(int stop_fd);
  // One pass over every service at now_ns; returns when to look again
  // (0: on the next change). ContainerNotFound once the container is gone.
  Result<int64_t> tick(int64_t now_ns);
  // The commands waiting on the control sockets, applied.
  void read_sockets();

 private:
  struct PostStart {
    uint64_t generation = 0;
    std::string process;  // the condition or command running now
    int64_t next_try_ns = 0;
    int tries = 0;
  };
  struct Service {
    ServiceSpec spec;
    std::optional<ControlSocket> socket;
    bool socket_failed = false;
    PostStart post;
    std::optional<bool> sentinel;  // the sentinel files as last written; unknown at first
    std::optional<ContainerProbes> probes;  // of the running generation
    uint64_t probed_generation = 0;
    std::unique_ptr<ProbeTarget> target;
  };

  Result<void> load(const std::string& name);
  Result<void> read_processes();
  Result<int64_t> tick_one(const std::string& name, int64_t now_ns);
  Result<Observed> observe(const Service& service, const Status& status, int64_t now_ns);
  void act(Service& service, Status& status, Action action, int64_t now_ns);
  void adopt(Service& service, Status& status, int64_t now_ns);
  void start(Service& service, Status& status, int64_t now_ns);
  void remove(const std::string& name);
  int64_t post_start(Service& service, Status& status, int64_t now_ns);
  int64_t probe(Service& service, Status& status, const Control& control, int64_t now_ns);
  void run_due_probe(Service& service, ProbeKind kind);
  Result<bool> post_start_step(Service& service, Status& status, int64_t now_ns);
  void keep_socket(Service& service);
  void keep_sentinels(Service& service, const Status& status);
  void command(Service& service, Command command);
  Result<bool> may_leave();
  void watch(int inotify_fd);

  Engine& engine_;
  std::string handle_;
  Logger logger_;
  ContainerPaths paths_;
  bool container_running_ = false;  // this tick's
  std::optional<ServiceStore> store_;
  std::map<std::string, Service> services_;
  std::map<std::string, process_tracker::ProcessInfo> processes_;  // this tick's
  UniqueFd claim_;       // supervisor.lock, while this supervisor runs
  UniqueFd leaving_;     // spawn.lock, once it decided to leave: no one starts another meanwhile
  std::map<std::string, int> watches_;  // inotify watches of the services' dirs
};

}  // namespace dmc::supervisor
