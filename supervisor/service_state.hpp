// What is asked of a service (Control: written by dmc, dmcd and the
// control socket) and what its supervisor knows of it (Status: written by
// the supervisor only), each a small JSON file of the service's directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dmc::supervisor {

enum class Desired { Running, Stopped };

struct Control {
  Desired desired = Desired::Running;
  // Bumped by every start, stop and restart asked: the supervisor acts on
  // each once (a START of a finished service starts it again).
  uint64_t seq = 0;
  bool restart = false;  // the latest ask was a restart
  bool remove = false;   // stop it, then remove it
};

enum class Phase {
  Waiting,   // to be started: backoff, or the previous generation still ends
  Running,   // its process runs
  Stopping,  // TERM sent (by STOP, a restart or a leftover of an exit); KILL at the grace's end
  Stopped,   // stopped on purpose: never restarted by its policy
  Finished,  // exited 0 and its policy does not restart it
  Failed,    // exited non-zero (or could not start) and its policy does not restart it
};
std::string_view to_string(Phase phase);

struct Status {
  Phase phase = Phase::Waiting;
  uint64_t generation = 0;    // processes started so far
  std::string process_id;     // the latest generation's
  int64_t started_ns = 0;     // of the latest generation
  int64_t finished_ns = 0;    // of the latest generation, when it ended
  std::optional<int> exit_status;
  uint64_t restarts = 0;      // starts after the first
  uint32_t failures = 0;      // consecutive, for the backoff
  int64_t next_start_ns = 0;  // backoff: not before
  int64_t stop_started_ns = 0;  // TERM sent then; KILL at + stop grace
  uint64_t seen_seq = 0;        // Control::seq handled
  bool restart_pending = false;  // a restart waits for the generation to end
  uint64_t post_started = 0;     // the generation whose post-start ran
  std::string error;             // the latest failure to start, or the exit
  // Probes (of this run): the readiness bit (true without a readiness
  // probe), a liveness failure that ends the run, the latest errors.
  bool ready = true;
  bool liveness_failed = false;
  std::string liveness_error;
  std::string readiness_error;
  std::string startup_error;
};

// What a user (dmc, dmcd) or the control socket asks of a service.
enum class Ask { Start, Stop, Restart, Remove };
std::string_view to_string(Ask ask);
// The control after the ask: a new seq the supervisor acts on once.
void apply(Control& control, Ask ask);

std::string to_json(const Control& control);
Result<Control> control_from_json(std::string_view text);
std::string to_json(const Status& status);
Result<Status> status_from_json(std::string_view text);

}  // namespace dmc::supervisor
