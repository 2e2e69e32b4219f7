// crun 1.8 on a hybrid cgroup host (v1 hierarchies at /sys/fs/cgroup, a v2
// mount at /sys/fs/cgroup/unified) fails `crun create` with "cgroups in hybrid
// mode not supported, drop all controllers from cgroupv2" as soon as the v2
// mount's cgroup.controllers is not empty. It works when crun runs in a
// private mount namespace in which that file is covered by an empty one.
//
// Measured with crun 1.8.1 on Debian 12: only `create` and `run` need it;
// start, exec, kill, delete, state, pause, resume and update work on the host
// as is.
#pragma once

#include <string>

namespace dmc::runrunc {

inline constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

// <root> is not cgroup2, <root>/unified is, and its cgroup.controllers
// lists at least one controller.
bool hybrid_controllers_visible(const std::string& cgroup_root = kCgroupRoot);

// A ChildSpec::pre_exec hook (async-signal-safe, returns 0 or an errno):
// unshare the mount namespace, make / a recursive slave so that nothing
// propagates back to the host, bind /dev/null over
// /sys/fs/cgroup/unified/cgroup.controllers.
int hide_hybrid_controllers() noexcept;

}  // namespace dmc::runrunc
