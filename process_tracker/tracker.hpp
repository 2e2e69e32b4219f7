// Processes inside containers, from the caller's side: start one under its
// own shim, attach to it (now or after any restart), signal it, list them,
// and stop the shims of a container being destroyed.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/child.hpp"
#include "common/log.hpp"
#include "common/oci.hpp"
#include "common/unique_fd.hpp"
#include "common/result.hpp"
#include "process_tracker/attachment.hpp"
#include "process_tracker/process_spec.hpp"

namespace dmc::process_tracker {

struct ExecArgs {
  std::string process_json;
  std::string pid_file;
  std::string log_file;
  std::optional<std::string> console_socket;
  std::string group = {};  // the sub-cgroup to run in; empty: the container's
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
  // An open executable file to run as argv's program (a sealed copy of the
  // runtime), handed to the shim; nullptr: argv[0] by its path.
  [[nodiscard]] virtual std::shared_ptr<const UniqueFd> program() const { return nullptr; }
};

struct TrackerConfig {
  std::string shim_path;
  uint64_t spool_cap = 64ull << 20;
};

struct ProcessInfo {
  std::string id;
  int pid = 0;
  std::string state;  // running, exited, or lost (its shim died while it ran)
  std::optional<int> exit_status;
  std::vector<std::string> command = {};
  std::string group = {};  // the sub-cgroup it was started in; empty: none
};

class Tracker {
 public:
  Tracker(TrackerConfig config, const ExecCommand& exec, Logger logger);

  // Starts the process under a new shim; returns its id once it runs.
  // processes_dir is <depot>/<handle>/processes.
  Result<std::string> start(const std::string& processes_dir, const std::string& container_id,
                            const ProcessSpec& spec, const oci::Process& process) const;
  // A new client of the process: output no client has received yet, then
  // live output, into the fds given, then its exit status (attachment.hpp).
  // Works for processes that already exited. ProcessNotFound for an
  // unknown id. For a process whose shim is gone it blocks while it writes
  // what was spooled and not delivered into the fds; the attachment then
  // tells at once the exit status, or ProcessLost if the shim died while
  // the process ran. It may also block briefly while a shim starts or leaves.
  Result<Attachment> open_attachment(const std::string& processes_dir, const std::string& id,
                                     const StreamFds& fds) const;
  // open_attachment, then blocks until the exit status (opening a new
  // attachment if the shim went away first). Forwards nothing else.
  Result<int> attach(const std::string& processes_dir, const std::string& id,
                     const StreamFds& fds) const;
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
