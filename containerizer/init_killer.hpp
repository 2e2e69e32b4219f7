#pragma once

#include <string>

#include "common/result.hpp"

namespace dmc::containerizer {

// Sends SIGKILL to a container's init, and so to its whole pid namespace,
// and waits until it has exited. Does nothing (returns false) when pid is
// gone or is not in cgroup `cgroup_path` any more (the pid was reused).
Result<bool> kill_init(int pid, const std::string& cgroup_path);

}  // namespace dmc::containerizer
