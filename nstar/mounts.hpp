// Reading /proc/<pid>/mountinfo: which mount points hold the kernel's own
// filesystems (proc, sysfs), which the helper detaches in its private copy
// of a container's mount namespace.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dmc::nstar {

// Mount points (unescaped, in the order listed) whose filesystem type is
// proc or sysfs. Malformed lines are skipped.
std::vector<std::string> kernel_mount_points(std::string_view mountinfo);

}  // namespace dmc::nstar
