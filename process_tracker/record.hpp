// A process's record (layout.hpp) as seen without its shim: who owns it,
// proving a pid before acting on it, and the spool state. Shared by the shim
// and the tracker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::process_tracker {

// Field 22 of /proc/<pid>/stat (clock ticks after boot), if pid exists.
std::optional<uint64_t> start_time(int pid);
// A pidfd of pid if it still is the process that started at `start`.
UniqueFd proven_pidfd(int pid, uint64_t start);
// "<pid> <start>" as the shim writes shim.pid, read back.
struct ProvenPid {
  int pid = 0;
  std::optional<uint64_t> start;
};
ProvenPid read_pid_claim(const std::string& path);

// The record's lock, open (created if asked). Invalid if it cannot be opened.
UniqueFd open_lock(const std::string& dir, bool create);
// True while a shim (or the `dmc run` making the record) holds its lock.
bool owned(const std::string& dir);

// One stream's spool state file: "<base> <delivered>\n", fixed width.
struct SpoolState {
  uint64_t base = 0;
  uint64_t delivered = 0;
};
std::string state_line(SpoolState state);
// A missing or unreadable state says nothing was delivered: {0, 0}.
SpoolState read_state(const std::string& path);


// Removes the oldest records whose output and exit status were delivered
// (they hold names::kDelivered), beyond the newest `keep`, and leftovers of
// records whose making was cut short. Never a record someone owns.
void prune_records(const std::string& processes_dir, size_t keep);

}  // namespace dmc::process_tracker
