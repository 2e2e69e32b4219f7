// What the supervisor needs of the engine below it: the containerizer,
// wired in by cmd/ (containerizer_engine.hpp), a fake in unit tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "process_tracker/process_spec.hpp"
#include "process_tracker/tracker.hpp"
#include "supervisor/probe_target.hpp"
#include "supervisor/reconcile.hpp"

namespace dmc::supervisor {

struct ContainerPaths {
  std::string dir;     // <depot>/<handle>
  std::string rootfs;  // the container's / (its overlay mount)
};

class Engine {
 public:
  virtual ~Engine() = default;
  // ContainerNotFound when the container is gone.
  [[nodiscard]] virtual Result<ContainerPaths> paths(const std::string& handle) const = 0;
  // Its init runs and it is neither stopped nor paused.
  [[nodiscard]] virtual Result<bool> running(const std::string& handle) const = 0;
  virtual Result<std::string> run(const std::string& handle,
                                  const process_tracker::ProcessSpec& spec) = 0;
  [[nodiscard]] virtual Result<std::vector<process_tracker::ProcessInfo>> processes(
      const std::string& handle) const = 0;
  // Host pids of the processes in a group (a sub-cgroup of the container).
  [[nodiscard]] virtual Result<std::vector<int>> group_members(const std::string& handle,
                                                               const std::string& group) const = 0;
  virtual Result<void> signal_group(const std::string& handle, const std::string& group,
                                    int signal) = 0;
  virtual Result<void> kill_group(const std::string& handle, const std::string& group) = 0;
  virtual Result<void> remove_group(const std::string& handle, const std::string& group) = 0;
  // A finished process's record goes (checks that ran and were looked at).
  virtual Result<void> forget_process(const std::string& handle, const std::string& id) = 0;
  // What probes of the container run against; exec probes as user.
  virtual std::unique_ptr<ProbeTarget> probe_target(const std::string& handle,
                                                    const std::string& user) = 0;
  // Appends {"type":"service","service":<service>,"action":...} to the journal.
  virtual void record(const std::string& handle, const std::string& service,
                      const Note& note) = 0;
};

}  // namespace dmc::supervisor
