// The per-process shim: outlives its caller, is the subreaper of its
// process, starts it with `runtime exec --detach`, owns its stdio, spools
// its output while nobody listens, and records its exit status.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace dmc::process_tracker {

inline constexpr uint64_t kDefaultSpoolCap = 64ull << 20;

struct ShimOptions {
  std::string dir;  // the process's directory (layout.hpp)
  uint64_t spool_cap = kDefaultSpoolCap;
  bool tty = false;
  int ready_fd = -1;  // gets "ok <pid>\n" or "fail <wait status>\n", then EOF
  // An fd whose open file description holds the record's lock (layout.hpp)
  // on the caller's behalf: the shim keeps it for its whole life. -1: the
  // shim takes the lock itself.
  int lock_fd = -1;
  // The container's depot dir, whose event journal (journal/) gets the
  // process's start-process and exit events from the shim; "": none.
  std::string journal = {};
  // An inherited fd of the program to run as runtime_argv[0] (a sealed copy
  // of the runtime); the shim closes it once the runtime has started. -1:
  // runtime_argv[0] by its path.
  int runtime_fd = -1;
  std::vector<std::string> runtime_argv;
};

// dmc-shim --dir DIR [--spool-cap BYTES] [--tty] [--ready-fd N] [--lock-fd N] [--journal DIR] [--runtime-fd N] -- RUNTIME ARGV...
Result<ShimOptions> parse_shim_args(const std::vector<std::string>& args);
std::vector<std::string> shim_args(const ShimOptions& options);

// Runs the shim in this process until its work is done; the exit code.
int run_shim(const ShimOptions& options);

}  // namespace dmc::process_tracker
