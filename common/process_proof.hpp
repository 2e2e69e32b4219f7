// A pid on disk is a claim, not a fact: the process it named may have died
// and its pid gone to another process, even one in another container. These
// prove a claim before anything acts on it.
//
// The proof is read through an fd of /proc/<pid>, which the kernel binds to
// the one process that had the pid when it was opened: once that process is
// gone, every read through the fd fails, even if the pid is reused. So what
// is read through a proven fd is true of the claimed process, with no race.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::proc {

struct Claim {
  int pid = 0;
  uint64_t start_time = 0;  // /proc/<pid>/stat field 22; 0: not recorded (not checked)
  std::string cgroup = {};  // absolute cgroup path it must be in; empty: not checked
};

// The start time of a live process, in clock ticks after boot: with its pid,
// it names one process for the life of the machine.
Result<uint64_t> start_time(int pid);
// The same, read through an fd of /proc/<pid>.
Result<uint64_t> start_time_at(int proc_fd);

// /proc/<pid> of the claimed process, proven: it lives (a zombie has
// exited), started when the claim says, and is in the claimed cgroup.
// NotFound, saying why, when it is not the claimed process any more.
Result<UniqueFd> open_proven(const Claim& claim);

// A pidfd of the claimed process, proven the same way (for signals and for
// waiting until it exits).
Result<UniqueFd> pidfd_proven(const Claim& claim);

// True when the pidfd's process has not exited (a zombie has).
bool alive(int pidfd);

}  // namespace dmc::proc
