// The phases of StopAll on a located cgroup: SIGTERM to every process but
// init until the grace period ends, then freeze, SIGKILL, thaw until only
// init is left.
#pragma once

#include "common/log.hpp"
#include "common/result.hpp"
#include "stopper/cgroup_dir.hpp"
#include "stopper/stopper.hpp"

namespace dmc::stopper {

// Returns once no process but init_pid is left in the cgroup; Unavailable if
// processes survive SIGKILL for longer than a generous bound.
Result<void> stop_processes(const CgroupDir& cgroup, int init_pid, const StopOptions& options,
                            const Logger& logger);

// Freeze, SIGKILL every process but init_pid (kExcludeNone: every one),
// thaw, until none is left; newcomers forked meanwhile are killed too.
// Returns how many got SIGKILL; Unavailable if some survive a generous
// bound (a frozen parent cgroup keeps them from dying on v1).
Result<int> kill_processes(const CgroupDir& cgroup, int init_pid, const Logger& logger);

}  // namespace dmc::stopper
