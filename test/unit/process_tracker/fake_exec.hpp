// A fake runtime for the real dmc-shim: a shell script that behaves like
// `runtime exec --detach --pid-file P`, the ExecCommand that runs it, and
// a reaper that kills by pid whatever a test started, whatever happens.
#pragma once

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "process_tracker/tracker.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

// Usage: fake-runtime MODE PID_FILE LOG_FILE MARK COMMAND...
inline constexpr std::string_view kFakeRuntime = R"(#!/bin/sh
# A fake `runtime exec --detach --pid-file PID_FILE`.
#   run:    start COMMAND in the background with this script's stdio (the
#           shim's pipes), write its pid to PID_FILE and exit 0;
#   fail:   log an error to LOG_FILE and exit 3, starting nothing;
#   no-pid: exit 0, starting nothing and writing no PID_FILE.
# The process gets DMC_TEST_MARK=MARK in its environment, so that a test can
# find and kill it.
mode=$1 pid_file=$2 log_file=$3 mark=$4
shift 4
case $mode in
  fail) echo "container is not running" > "$log_file"; exit 3 ;;
  no-pid) exit 0 ;;
esac
# Through `setsid -f`, which forks and does not wait, the process is never
# this script's child (which could reap it) but the shim's, its subreaper's,
# as with a real runtime; and unlike a `&` job it keeps this script's stdin
# and its signals.
DMC_TEST_MARK=$mark setsid -f /bin/sh -c 'echo $$ > "$0"; exec "$@"' "$pid_file" "$@"
while [ ! -s "$pid_file" ]; do sleep 0.01; done
exit 0
)";

enum class FakeMode { Run, Fail, NoPidFile };

class FakeExec : public process_tracker::ExecCommand {
 public:
  FakeExec(std::string script, std::string mark)
      : script_(std::move(script)), mark_(std::move(mark)) {}

  [[nodiscard]] std::vector<std::string> argv(
      const std::string& container_id, const process_tracker::ExecArgs& args) const override {
    calls.push_back({container_id, args});
    if (on_argv) on_argv(args);
    if (!runtime.empty()) return runtime;
    const char* mode_name = mode == FakeMode::Run    ? "run"
                            : mode == FakeMode::Fail ? "fail"
                                                     : "no-pid";
    std::vector<std::string> argv = {"/bin/sh",     script_,        mode_name,
                                     args.pid_file, args.log_file, mark_};
    argv.insert(argv.end(), command.begin(), command.end());
    return argv;
  }

  [[nodiscard]] Error failure(ChildExit exit, std::string_view log) const override {
    return make_error(ErrorKind::Internal, "fake exec: exit status {}: {}", exit.code, log);
  }

  struct Call {
    std::string container_id;
    process_tracker::ExecArgs args;
  };

  FakeMode mode = FakeMode::Run;
  std::vector<std::string> command;  // the process the fake starts
  std::vector<std::string> runtime;  // if set, the whole runtime argv instead
  mutable std::vector<Call> calls;
  // Runs when the tracker asks for the argv: after it made the process's
  // directory, before it starts the shim.
  std::function<void(const process_tracker::ExecArgs&)> on_argv;

 private:
  std::string script_;
  std::string mark_;
};

inline bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

// Live processes other than this one whose command line or environment
// holds mark: the shims (their --dir), fake runtimes and their processes.
inline std::vector<int> marked_pids(const std::string& mark) {
  std::vector<int> out;
  DIR* proc = ::opendir("/proc");
  if (!proc) return out;
  const std::string env_mark = "DMC_TEST_MARK=" + mark;
  while (dirent* e = ::readdir(proc)) {
    int pid = std::atoi(e->d_name);
    if (pid <= 0 || pid == ::getpid()) continue;
    const std::string base = "/proc/" + std::to_string(pid);
    if (contains(read_file(base + "/cmdline").value_or(""), mark) ||
        contains(read_file(base + "/environ").value_or(""), env_mark)) {
      out.push_back(pid);
    }
  }
  ::closedir(proc);
  return out;
}

// Kills (SIGKILL, by pid) everything marked with mark when it goes, so that
// a failing test leaves nothing running.
class Reaper {
 public:
  explicit Reaper(std::string mark) : mark_(std::move(mark)) {}
  ~Reaper() { kill_all(); }
  Reaper(const Reaper&) = delete;
  Reaper& operator=(const Reaper&) = delete;

  void kill_all() const {
    for (int pass = 0; pass < 5; ++pass) {
      auto pids = marked_pids(mark_);
      if (pids.empty()) return;
      for (int pid : pids) ::kill(pid, SIGKILL);
      ::usleep(20000);
    }
  }

 private:
  std::string mark_;
};

}  // namespace dmc::test
