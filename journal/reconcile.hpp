// Reconcile: what the machine shows happened and the journal lacks, added
// to it once. Called by the containerizer before every read of events and
// in info, and by the shim for its own process's exit; all under the
// journal's lock, so that two callers never both add one event.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "journal/journal.hpp"

namespace dmc::journal {

struct Exited {
  std::string process;        // a process id, or kInitProcess
  std::optional<int> status;  // unknown for the init
};

struct Observed {
  // The cgroup's oom_kill counter; nullopt when it was not read.
  std::optional<uint64_t> oom_kills = {};
  std::vector<Exited> exited = {};
};

// Appends, in this order: an `oom` event with the counter when it is above
// the highest count recorded; an `exit` for each exited process that has
// none. NotFound when the journal is gone (or never was).
Result<void> reconcile(const Journal& journal, const Observed& observed);

// The oom_kill counter of a cgroup v1 memory.oom_control or v2
// memory.events file.
Result<uint64_t> read_oom_kill_count(const std::string& file);

}  // namespace dmc::journal
