// The dmc-nstar command line, and how its failures reach the client: built
// and parsed here, on both sides, so that the two can never disagree.
//
//   dmc-nstar in|out --pid PID --start TICKS --cgroup PATH --uid UID --gid GID --groups G1,G2 --home DIR --path PATH
//
// "in" reads a tar stream on stdin and extracts it at PATH; "out" writes a
// tar stream of PATH on stdout. PID, proven by its start time and cgroup,
// is the container's init, through which the helper enters. A failure is one line on stderr and an exit
// status naming the error's kind.
#pragma once

#include <string>
#include <vector>

#include "common/process_proof.hpp"
#include "common/result.hpp"
#include "nstar/nstar.hpp"

namespace dmc::nstar {

enum class Direction { In, Out };

struct HelperArgs {
  Direction direction = Direction::In;
  proc::Claim init;
  StreamUser user;
  std::string path;  // destination (in) or source (out), as the caller gave it
};

// The argv that runs helper_path with args (argv[0] is helper_path).
std::vector<std::string> helper_argv(const std::string& helper_path, const HelperArgs& args);

// The inverse of helper_argv, given everything after argv[0].
Result<HelperArgs> parse_helper_args(const std::vector<std::string>& args);

// The helper's exit status for an error of this kind (never 0), and back.
int exit_status_for(ErrorKind kind);
ErrorKind kind_for_exit_status(int status);

}  // namespace dmc::nstar
