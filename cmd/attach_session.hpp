// `dmc run` (attached) and `dmc attach`: the caller's stdio on a process
// until it ends, as a terminal user expects it. Signals sent to dmc (INT,
// TERM, HUP, QUIT, USR1, USR2) go to the process, and with a terminal, its
// size changes too. Blocking these signals is process-wide, so it lives
// here, in the command line, and never in a library a server shares.
#pragma once

#include <string>

#include "common/result.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::cli {

struct SessionOptions {
  bool with_stdin = true;  // forward our stdin; its EOF closes the process's
  bool tty = false;        // our stdin is the terminal whose size is forwarded
};

// The process's exit status, once all its output reached our stdout and
// stderr.
Result<int> attach_session(const containerizer::Containerizer& c, const std::string& handle,
                           const std::string& id, SessionOptions options);

}  // namespace dmc::cli
