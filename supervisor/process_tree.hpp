// The processes a probe command started: killing a timed-out `sh -c` alone
// would leave its children running in the container (reparented to the
// container's init). Read from /proc/<pid>/task/<tid>/children.
#pragma once

#include <vector>

#include "common/process_proof.hpp"

namespace dmc::supervisor {

// The live descendants of pid, each claimed with its start time (a child
// is kept only if it is still pid's child after its start time was read,
// so a claim never names a process that took a dead child's pid).
std::vector<proc::Claim> descendants(int pid);

// SIGKILL to each claimed process that is still the one claimed.
void kill_claimed(const std::vector<proc::Claim>& claims);

}  // namespace dmc::supervisor
