// The one place that runs the OCI runtime binary (runc or crun): one method
// per verb, typed options and results. Every call passes
// `--root <state root> --log <file> --log-format json`; the log lines are
// forwarded at debug level and the last error line becomes the message:
// "runc create: exit status 1: container with id exists: web-1".
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/child.hpp"
#include "common/log.hpp"
#include "common/result.hpp"
#include "runrunc/sealed_binary.hpp"

namespace dmc::runrunc {

enum class Flavor { Runc, Crun };

struct RuntimeConfig {
  std::string binary;      // absolute path of the runtime binary
  Flavor flavor = Flavor::Runc;
  std::string state_root;  // --root: dmc's own, so it never sees other containers
  std::string log_dir;     // per-call log files are made (and removed) here
  // crun 1.8 refuses hybrid cgroup hosts whose v2 mount holds controllers;
  // when set, `crun create` runs in a private mount namespace in which
  // <unified>/cgroup.controllers is covered by an empty file.
  bool hide_hybrid_controllers = false;
  // When set, every call (and every shim's exec) runs this sealed copy of
  // binary instead of the file (sealed_binary.hpp): one exec fewer per call.
  std::shared_ptr<SealedBinary> sealed = nullptr;
};

// Resolves "runc", "crun" or a path; decides the flavor from the binary's
// name (or `--version` output) and whether the hybrid workaround is needed
// on this host. state_root defaults to /run/dmc/<name>; log_dir is its
// sibling <state_root>-logs, never inside it: the runtime takes every entry
// of its root for a container, so a "logs" dir there would clash with id "logs".
// Relative paths are made absolute (crun opens --log after entering the bundle).
Result<RuntimeConfig> detect_runtime(const std::string& name_or_path,
                                     const std::string& state_root);

// crun when it is installed (in PATH), runc otherwise: crun creates, execs
// and deletes containers about twice as fast (README, "Benchmarks").
Result<RuntimeConfig> detect_default_runtime(const std::string& state_root);

struct CreateOptions {
  std::string bundle;    // directory holding config.json
  std::string pid_file;  // the init's host pid is written here
};

struct ExecOptions {
  std::string process_json;  // path of an OCI process.json
  std::string pid_file;
  bool detach = true;
  std::optional<std::string> console_socket = std::nullopt;  // with process.terminal
  // A sub-cgroup of the container's cgroup (a relative name, e.g. "web"),
  // that exists in every hierarchy already; empty: the container's own.
  std::string cgroup = {};
  // stdio given to the runtime (and so to the process); -1 is /dev/null.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

struct State {
  std::string id;
  std::string status;  // creating, created, running, paused, stopped
  int pid = 0;
  std::string bundle;
};

// argv builders: pure functions, tested against exact lists.
namespace argv {
std::vector<std::string> global(const RuntimeConfig& config, const std::string& log_file);
std::vector<std::string> create(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id, const CreateOptions& options);
std::vector<std::string> run_detached(const RuntimeConfig& config, const std::string& log_file,
                                      const std::string& id, const CreateOptions& options);
std::vector<std::string> start(const RuntimeConfig& config, const std::string& log_file,
                               const std::string& id);
std::vector<std::string> exec(const RuntimeConfig& config, const std::string& log_file,
                              const std::string& id, const ExecOptions& options);
std::vector<std::string> kill(const RuntimeConfig& config, const std::string& log_file,
                              const std::string& id, int signal, bool all);
std::vector<std::string> remove(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id, bool force);
std::vector<std::string> state(const RuntimeConfig& config, const std::string& log_file,
                               const std::string& id);
std::vector<std::string> pause(const RuntimeConfig& config, const std::string& log_file,
                               const std::string& id);
std::vector<std::string> resume(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id);
std::vector<std::string> update(const RuntimeConfig& config, const std::string& log_file,
                                const std::string& id, const std::string& resources_file);
}  // namespace argv

// The last `"level":"error"` (or fatal) message of a runtime JSON log, or
// empty; non-JSON lines (crun writes some) are kept as plain text.
std::string last_error_message(std::string_view log);

struct RuntimeCall;  // one run of the runtime binary, defined in runtime.cpp

class Runtime {
 public:
  Runtime(RuntimeConfig config, Logger logger);

  [[nodiscard]] const RuntimeConfig& config() const { return config_; }

  Result<void> create(const std::string& id, const CreateOptions& options) const;
  Result<void> start(const std::string& id) const;
  // create and start in one runtime call (`run --detach`): one process
  // start and one state write fewer than create + start.
  Result<void> run_detached(const std::string& id, const CreateOptions& options) const;
  // With detach, returns once the runtime has started the process (its pid
  // is in options.pid_file); never waits for EOF on the process's stdio.
  // Without detach the runtime exits with the process's status, so a
  // non-zero exit of the process comes back as an error too.
  Result<void> exec(const std::string& id, const ExecOptions& options) const;
  Result<void> kill(const std::string& id, int signal, bool all = false) const;
  // NotFound when the runtime does not know the container; with force, both
  // runc and crun succeed on an unknown id.
  Result<void> remove(const std::string& id, bool force = false) const;
  Result<State> state(const std::string& id) const;
  Result<void> pause(const std::string& id) const;
  Result<void> resume(const std::string& id) const;
  // resources_json is the content (an OCI LinuxResources object); it is
  // written to a temporary file for `--resources`.
  Result<void> update(const std::string& id, const std::string& resources_json) const;

  // For a caller that runs `exec --detach` itself (the shim): its argv, and
  // the error for its exit status and log, worded like every other call's.
  [[nodiscard]] std::vector<std::string> exec_argv(const std::string& id,
                                                   const ExecOptions& options,
                                                   const std::string& log_file) const;
  [[nodiscard]] Error exec_failure(ChildExit exit, std::string_view log) const;
  // What runs as argv[0] of every call: the sealed copy, or nullptr for the
  // binary's path.
  [[nodiscard]] std::shared_ptr<const UniqueFd> program() const;

 private:
  // The one path every verb takes: a fresh --log file (always removed), the
  // run, its log lines forwarded at debug level, a failure turned into an
  // Error. Returns the runtime's stdout when the call captures it.
  Result<std::string> run(const RuntimeCall& call) const;

  RuntimeConfig config_;
  Logger logger_;
};

}  // namespace dmc::runrunc
