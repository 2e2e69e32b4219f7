// Signals the processes of a container's cgroup through pidfds: a pid that
// exits and is reused by a process outside the cgroup is never signalled.
#pragma once

#include <set>

#include "common/result.hpp"
#include "stopper/cgroup_dir.hpp"

namespace dmc::stopper {

// Sends `sig` to every process in `cgroup` except `init_pid` and the pids in
// `done`, and adds the pids it reached to `done`. A process that exits before
// the signal reaches it is fine. Returns how many processes it signalled.
Result<int> signal_newcomers(const CgroupDir& cgroup, int init_pid, int sig,
                             std::set<int>& done);

}  // namespace dmc::stopper
