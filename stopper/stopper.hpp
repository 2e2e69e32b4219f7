// StopAll: every process in a container's cgroup except its init gets
// SIGTERM, then SIGKILL when the grace period ends (or SIGKILL at once).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"

namespace dmc::stopper {

struct StopOptions {
  bool kill = false;  // SIGKILL at once, no grace period
  std::chrono::milliseconds grace{10'000};
};

class Stopper {
 public:
  explicit Stopper(Logger logger) : logger_(std::move(logger)) {}

  // cgroup_path is absolute within the hierarchies (e.g. /dmc/web-1). Returns
  // when no process but init_pid is left in the cgroup.
  Result<void> stop_all(const std::string& cgroup_path, int init_pid,
                        const StopOptions& options) const;
  // Thaws the cgroup if it is frozen or freezing (a killed stop leaves it
  // so), and every cgroup nested in it that is frozen on its own (a killed
  // kill_all leaves a group so); a cgroup that does not exist is fine.
  Result<void> thaw(const std::string& cgroup_path) const;
  // Freezes the cgroup and waits until the freezer says frozen (v1 may stay
  // FREEZING for a while; the write is repeated, as runc does), at most
  // timeout: Unavailable, saying the state, after it. A runtime's pause may
  // return while v1 still says FREEZING (crun does), and a pause is a
  // promise that nothing runs any more.
  Result<void> freeze(const std::string& cgroup_path, std::chrono::milliseconds timeout) const;
  // Whether the cgroup's freezer holds it frozen or freezing; a cgroup
  // that does not exist is not frozen.
  Result<bool> frozen(const std::string& cgroup_path) const;

  // On any cgroup (a container's, or a group nested in it), with no init to
  // spare; none of these waits for a grace period. A cgroup that does not
  // exist has no processes: an empty list, nothing signalled or killed.
  // The pids in the cgroup and the cgroups nested in it.
  Result<std::vector<int>> members(const std::string& cgroup_path) const;
  // sig to every process of it, through pidfds (a process that exits
  // meanwhile is fine). Returns how many it reached.
  Result<int> signal_all(const std::string& cgroup_path, int sig) const;
  // Freeze, SIGKILL, thaw, until no process is left (the kill phase of
  // stop_all); Unavailable if some survive a generous bound.
  Result<void> kill_all(const std::string& cgroup_path) const;

 private:
  Logger logger_;
};

}  // namespace dmc::stopper
