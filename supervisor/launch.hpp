// What the supervisors of services and of pods share: how one is started
// (detached, outliving its starter, its output in a log file), the locks
// that tell whether one runs, and the members of the front doors' JSON that
// services and pods show alike.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::supervisor {

// How a supervisor process is started: its program (dmc-supervisor) and
// the environment that tells it the depot, runtime and log level.
struct LaunchConfig {
  std::string program;
  std::vector<std::string> env;
};

// Starts `program args...` detached, stdout and stderr appended to log_path.
Result<pid_t> launch_supervisor(const LaunchConfig& launch, const std::vector<std::string>& args,
                                const std::string& log_path);

// An flock on path (made when missing): blocking, or Unavailable at once
// when another holds it and !wait.
Result<UniqueFd> lock_file(const std::string& path, bool wait);

// key: an RFC 3339 time, or null when ns is 0 (not yet).
void time_member(json::Writer& w, std::string_view key, int64_t ns);

// "exit_status": the status, or null before the first exit.
void exit_status_member(json::Writer& w, std::optional<int> status);

// "probe_errors": {"liveness", "readiness", "startup"}, each the last
// failure of that probe ("" when it passes or has none).
void probe_errors_member(json::Writer& w, std::string_view liveness,
                         std::string_view readiness, std::string_view startup);

}  // namespace dmc::supervisor
