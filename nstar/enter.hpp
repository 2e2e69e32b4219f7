// The helper's way into a container, in this order: prepare_process,
// enter_container, become_user. After them, "/" is the container's root, the
// process holds nothing of the host, and it has the user's permissions.
#pragma once

#include "common/process_proof.hpp"
#include "common/result.hpp"
#include "nstar/nstar.hpp"

namespace dmc::nstar {

// Closes every inherited fd above stdio, sets umask 022, ignores SIGPIPE
// (a closed reader becomes an error, not a silent death), and loads now,
// from the host, what the C library would otherwise load lazily from the
// filesystem: the locale and the iconv configuration. Once inside the
// container those paths are the container's, and a module loaded from
// there would run as us.
Result<void> prepare_process();

// Proves that the claimed init is still the container's init
// (ContainerNotRunning otherwise), joins its mount namespace and takes its root (as its init
// sees it) as ours, then moves to a private copy of that namespace in which
// the kernel's own filesystems (proc, sysfs) are detached: the container's
// own namespace is left as it was, and no /proc/<pid>/root or fd magic link
// can lead back to the host. Refuses a process that shares our namespace.
Result<void> enter_container(const proc::Claim& init);

// setgroups, setgid, setuid, in that order. Root keeps only the
// capabilities that file work needs (those a container's root has).
Result<void> become_user(const StreamUser& user);

}  // namespace dmc::nstar
