// Where a cgroup lives on this host, for cgroup v1, hybrid and v2 hosts.
// Used to remove a container's cgroups and (later) to list and measure them.
#pragma once

#include <string>
#include <vector>

#include "common/result.hpp"

namespace dmc::cgroup {

struct Hierarchy {
  std::string mount_point;  // e.g. /sys/fs/cgroup/memory
  bool v2 = false;
  std::vector<std::string> controllers = {};  // v1: from the mount options; v2: empty
};

// The cgroup hierarchies mounted in our mount namespace (/proc/self/mountinfo).
Result<std::vector<Hierarchy>> hierarchies();

// The directories of cgroup `path` (absolute, e.g. /dmc/web-1) that exist.
std::vector<std::string> existing_dirs(const std::vector<Hierarchy>& hierarchies,
                                       const std::string& path);

// The directory of cgroup `path` in the v1 hierarchy holding `controller`,
// or else in the v2 hierarchy; empty when there is none.
std::string dir_for(const std::vector<Hierarchy>& hierarchies, const std::string& controller,
                    const std::string& path);

// The pids in one cgroup directory (cgroup.procs).
Result<std::vector<int>> procs(const std::string& dir);

// Removes every directory of `path` (children first); missing is success.
// A cgroup still busy after 5 s (a dead member not reaped yet, or one still
// alive) gives Unavailable.
Result<void> remove(const std::vector<Hierarchy>& hierarchies, const std::string& path);

}  // namespace dmc::cgroup
