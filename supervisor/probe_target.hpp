// What running a probe needs of its container: run an argv in it, bounded,
// and open a socket in its network namespace. Declared here, where probes
// are run; container_probe_target.hpp is the real one, tests bring fakes.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::supervisor {

// The first bytes of a probe command's output kept (stdout and stderr).
inline constexpr size_t kProbeOutputKept = 4096;

struct ExecResult {
  std::optional<int> exit_code;  // nullopt: it timed out, and was killed
  std::string output;            // its first kProbeOutputKept bytes of output
};

class ProbeTarget {
 public:
  virtual ~ProbeTarget() = default;
  // Runs argv in the container and waits for its exit at most timeout; a
  // process still running then is killed (and gone when this returns).
  virtual Result<ExecResult> exec(const std::vector<std::string>& argv,
                                  std::chrono::milliseconds timeout) = 0;
  // A new TCP socket (IPv4, non-blocking, close-on-exec) that belongs to the
  // container's network namespace: 127.0.0.1 is the container's loopback.
  virtual Result<UniqueFd> tcp_socket() = 0;
};

}  // namespace dmc::supervisor
