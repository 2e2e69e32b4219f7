// Processes inside containers, from the caller's side: start one under its
// own shim, attach to it (now or after any restart), signal it, list them,
// and stop the shims of a container being destroyed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/child.hpp"
#include "common/log.hpp"
#include "common/oci.hpp"
#include "common/unique_fd.hpp"
#include "common/result.hpp"
#include "process_tracker/process_spec.hpp"

namespace dmc::process_tracker {

struct ExecArgs {
  std::string process_json;
  std::string pid_file;
  std::string log_file;
  std::optional<std::string> console_socket;
};

// The runtime's exec, as far as the tracker needs it (wired from runrunc).
class ExecCommand {
 public:
  virtual ~ExecCommand() = default;
  // `runtime exec --detach ...` of process_json in container_id.
  [[nodiscard]] virtual std::vector<std::string> argv(const std::string& container_id,
                                                      const ExecArgs& args) const = 0;
  // "runc exec: exit status 1: <the last error in the runtime's log>".
  [[nodiscard]] virtual Error failure(ChildExit exit, std::string_view log) const = 0;
};

struct TrackerConfig {
  std::string shim_path;
  uint64_t spool_cap = 64ull << 20;
};

// What an attaching client brings. -1: not attached to that stream.
struct AttachIo {
  int stdin_fd = -1;
  int stdout_fd = 1;
  int stderr_fd = 2;
  bool forward_signals = false;  // INT, TERM, HUP, QUIT, USR1, USR2 go to the process
  int tty_fd = -1;               // a terminal whose size changes are forwarded
};

struct ProcessInfo {
  std::string id;
  int pid = 0;
  std::string state;  // running, exited, or lost (its shim died while it ran)
  std::optional<int> exit_status;
  std::vector<std::string> command;
};

class Tracker {
 public:
  Tracker(TrackerConfig config, const ExecCommand& exec, Logger logger);

  // Starts the process under a new shim; returns its id once it runs.
  // processes_dir is <depot>/<handle>/processes.
  Result<std::string> start(const std::string& processes_dir, const std::string& container_id,
                            const ProcessSpec& spec, const oci::Process& process) const;
  // Output no client has received yet, then live output, into io's fds;
  // returns the exit status. Works for processes that already exited.
  // A process whose shim died gets what was spooled and not delivered,
  // then its exit status, or ProcessLost if it died while the process ran.
  Result<int> attach(const std::string& processes_dir, const std::string& id,
                     const AttachIo& io) const;
  // Through its shim, or straight to its proven pid if the shim is gone.
  Result<void> signal(const std::string& processes_dir, const std::string& id, int signal) const;
  Result<std::vector<ProcessInfo>> list(const std::string& processes_dir) const;
  // Ends every shim of a container (its processes are dead by now).
  Result<void> stop_shims(const std::string& processes_dir) const;

 private:
  Result<std::string> process_dir(const std::string& processes_dir, const std::string& id) const;
  struct NewRecord {
    std::string id;
    std::string dir;
    UniqueFd lock;
  };
  Result<NewRecord> make_record(const std::string& processes_dir,
                                const std::optional<std::string>& asked) const;
  Result<void> place(const std::string& processes_dir, NewRecord& record) const;
  bool give_up_lost(const std::string& processes_dir, const std::string& id) const;
  Result<int> spawn_shim(const std::string& dir, const std::string& container_id,
                         const ProcessSpec& spec, int lock_fd) const;

  TrackerConfig config_;
  const ExecCommand& exec_;
  Logger logger_;
};

// An exit status read from the process's exit_status file, if it ended.
Result<std::optional<int>> read_exit_status(const std::string& dir);
// The record's process still runs: its pid, proven by its start time (or,
// when that was never recorded, a pid that exists).
bool process_running(const std::string& dir);

}  // namespace dmc::process_tracker
