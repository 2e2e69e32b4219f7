// dmc's default seccomp profile, in the spirit of Docker's: an allowlist of
// system calls; everything else fails with EPERM. System calls that only a
// capability makes useful (mount, reboot, kernel modules, setting the clock,
// ...) are allowed only when the container holds that capability. Namespace
// creation needs CAP_SYS_ADMIN: without it, clone may not ask for a new
// namespace and clone3 fails with ENOSYS, so that libc falls back to clone,
// whose flags the filter can read. Keyrings, kexec, userfaultfd, swap and
// AF_VSOCK sockets are refused whatever the capabilities.
#pragma once

#include <string>
#include <vector>

#include "common/oci.hpp"

namespace dmc::bundler {

// The profile for a container whose capability set is `capabilities`
// (names such as "CAP_SYS_ADMIN"), for the architecture dmc is built for.
oci::Seccomp default_seccomp_profile(const std::vector<std::string>& capabilities);

}  // namespace dmc::bundler
