// Starting and reaping child processes; the one place that forks (with
// clone(CLONE_VM | CLONE_VFORK), as posix_spawn does: no page tables copied).
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc {

struct ChildSpec {
  std::vector<std::string> argv;  // argv[0] is the program; PATH is searched
  std::optional<std::vector<std::string>> env = std::nullopt;  // nullopt: inherit ours
  // Where the child's stdio goes: -1 means /dev/null (or a capture pipe when
  // run_child captures that stream). The fds are dup'ed, never taken. The
  // child gets no other fd of ours.
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  // Runs in the child between fork and exec; returns 0 or an errno, which
  // fails the start. Only async-signal-safe calls belong here.
  std::function<int()> pre_exec = nullptr;
  // When >= 0, the program run is this open file (execveat with
  // AT_EMPTY_PATH), argv[0] being only its name; should the kernel refuse
  // to execute it, argv[0] is run as without it. Lets a caller run a sealed
  // in-memory copy of a binary (runrunc/sealed_binary.hpp).
  int program_fd = -1;
  // These fds of ours stay open in the child under the same numbers (every
  // other one beyond stdio is closed). Each must be above 2.
  std::vector<int> inherit_fds = {};
};

// The outcome of a finished child: exit code, or 128+N for signal N.
struct ChildExit {
  int code = 0;
  bool signaled = false;
};

ChildExit decode_wait_status(int status);

// A started child. Kills (SIGKILL) and reaps it on destruction unless it was
// waited for or released.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {}
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  Child(Child&& other) noexcept;
  Child& operator=(Child&& other) noexcept;
  ~Child();

  [[nodiscard]] pid_t pid() const { return pid_; }
  Result<ChildExit> wait();
  pid_t release();  // forget the child: someone else reaps it

 private:
  pid_t pid_ = -1;
};

// Starts argv; fails if the program cannot be executed (errno from execvp).
Result<Child> spawn_child(const ChildSpec& spec);

// Starts argv in a session of its own, as a grandchild whose parent has
// already exited: it outlives us and is reaped by the nearest subreaper (or
// init), never by us. Returns its pid once it has exec'ed.
Result<pid_t> spawn_detached(const ChildSpec& spec);

struct ChildOutput {
  ChildExit exit;
  std::string out;
  std::string err;
};

// Runs to completion, capturing stdout and stderr where the spec gives no fd.
Result<ChildOutput> run_child(ChildSpec spec);

}  // namespace dmc
