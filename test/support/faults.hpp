// Fault injection for the integration tests: a dmc command killed with
// SIGKILL at a chosen moment, and everything of a container that is left on
// the machine. Header-only, so that it needs no change to dmc_test_support.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/process_proof.hpp"
#include "support/machine.hpp"

namespace dmc::test::faults {

using Ms = std::chrono::milliseconds;

// `count` delays from 0 to `span`, evenly spread.
inline std::vector<Ms> spread(Ms span, int count) {
  std::vector<Ms> out;
  for (int i = 0; i < count; ++i) out.push_back(span * i / std::max(count - 1, 1));
  return out;
}

// How long f takes (to spread the delays of a fault over a normal run).
template <class F>
Ms time_of(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<Ms>(std::chrono::steady_clock::now() - start);
}

// A process of the machine, by pid, as text: "1234 (runc exec ...)".
inline std::string describe_process(int pid) {
  std::string cmdline = read_file("/proc/" + std::to_string(pid) + "/cmdline").value_or("");
  for (char& c : cmdline) c = c == '\0' ? ' ' : c;
  return std::to_string(pid) + " (" + cmdline + ")";
}

// The living processes that satisfy `pick`, given the text of /proc/<pid>/stat,
// cmdline and cgroup.
inline std::vector<int> living_processes(
    const std::function<bool(int pid, const std::string& stat, const std::string& cmdline,
                             const std::string& cgroup)>& pick) {
  std::vector<int> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    int pid = std::atoi(e.path().filename().c_str());
    if (pid <= 0 || pid == ::getpid() || !process_alive(pid)) continue;
    auto at = [&](const char* name) {
      return read_file(e.path().string() + "/" + name).value_or("");
    };
    if (pick(pid, at("stat"), at("cmdline"), at("cgroup")) && process_alive(pid)) {
      out.push_back(pid);
    }
  }
  return out;
}

// The fifth field of /proc/<pid>/stat: the process group.
inline int process_group_of(const std::string& stat) {
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(stat.substr(close + 2));
  std::string state;
  int ppid = 0, pgrp = -1;
  in >> state >> ppid >> pgrp;
  return pgrp;
}

// A process belongs to container `handle` when its command line names the
// handle or it lives in the container's cgroup /dmc/<handle>: its init,
// processes, shims, runtime calls.
inline bool belongs_to(const std::string& handle, const std::string& cmdline,
                       const std::string& cgroup) {
  return cmdline.find(handle) != std::string::npos ||
         cgroup.find(":/dmc/" + handle + "\n") != std::string::npos;
}

// Living processes that belong to `handle`.
inline std::vector<int> processes_of(const std::string& handle) {
  return living_processes([&](int, const std::string&, const std::string& cmdline,
                              const std::string& cgroup) {
    return belongs_to(handle, cmdline, cgroup);
  });
}

// A process of a container as the test saw it, named for good. A pid alone
// is not: once its process has exited, the kernel may give it to another
// (a process of another test running at the same time), which a later
// check would take for the container's. With the start time its process
// had, read while it lived, it names that one process for the life of the
// machine.
struct Seen {
  int pid = 0;
  uint64_t start_time = 0;
};

// Those of `pids` that live now and belong to `handle`, named for good.
// Stat, cmdline and cgroup are read through one fd of /proc/<pid>, so they
// are of one process. A pid that is dead now, or another's, is left out: a
// process that has exited cannot come back, and the one that took its pid
// is not the container's.
inline std::vector<Seen> seen_of(const std::string& handle, const std::vector<int>& pids) {
  std::vector<Seen> out;
  for (int pid : pids) {
    auto proc_fd = proc::open_proven({.pid = pid});  // lives, not a zombie
    if (!proc_fd) continue;
    auto at = [&](const char* name) {
      UniqueFd fd(::openat(proc_fd->get(), name, O_RDONLY | O_CLOEXEC));
      return fd ? read_fd(fd.get()).value_or("") : std::string();
    };
    auto started = proc::start_time_at(proc_fd->get());
    if (started && belongs_to(handle, at("cmdline"), at("cgroup"))) {
      out.push_back({.pid = pid, .start_time = *started});
    }
  }
  return out;
}

// True while the process seen has not exited: its pid is alive, not a
// zombie, and started when it did.
inline bool still_alive(const Seen& seen) {
  return proc::open_proven({.pid = seen.pid, .start_time = seen.start_time}).has_value();
}

struct Killed {
  bool finished_first = false;  // the command ended on its own before the kill
  int code = -1;                // its exit code (137 when the kill ended it)
  // Processes of its group still alive after a bounded wait, described.
  std::vector<std::string> stragglers;
};

// Runs argv in a process group of its own, and sends it SIGKILL as soon as
// `moment` holds (polled without pause; at once if the command ended first,
// or after 10 s), and reaps it. Then, after `after_kill`, it waits (up to
// 10 s) until no process of that group is left: the runtime calls and
// helpers a killed dmc had started may still be at work, and a check made
// while they run would race them. A process that left the group on purpose
// (a shim, a container's init: each in a session of its own) is not waited
// for. The command's stdio is /dev/null unless `stdin_fd` is given.
inline Killed kill_when(const std::vector<std::string>& argv, const std::function<bool()>& moment,
                        int stdin_fd = -1, const std::function<void()>& after_kill = nullptr) {
  auto child = spawn_child({.argv = argv,
                            .stdin_fd = stdin_fd,
                            .pre_exec = [] { return ::setpgid(0, 0) == 0 ? 0 : errno; }});
  REQUIRE_MESSAGE(child, child.error().message);
  const int group = child->pid();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!moment() && process_alive(group) && std::chrono::steady_clock::now() < deadline) {
  }
  ::kill(group, SIGKILL);  // a zombie already, when it finished first
  auto exit = child->wait();
  REQUIRE(exit);
  Killed killed{.finished_first = !(exit->signaled && exit->code == 128 + SIGKILL),
                .code = exit->code,
                .stragglers = {}};
  if (after_kill) after_kill();
  auto in_group = [&] {
    return living_processes([&](int, const std::string& stat, const std::string&,
                                const std::string&) { return process_group_of(stat) == group; });
  };
  eventually([&] { return in_group().empty(); });
  for (int pid : in_group()) killed.stragglers.push_back(describe_process(pid));
  return killed;
}

// kill_when, `delay` after the start.
inline Killed kill_after(const std::vector<std::string>& argv, Ms delay, int stdin_fd = -1,
                         const std::function<void()>& after_kill = nullptr) {
  const auto at = std::chrono::steady_clock::now() + delay;
  return kill_when(
      argv,
      [&] {
        std::this_thread::sleep_until(at);
        return true;
      },
      stdin_fd, after_kill);
}

// A command started in the background (to race another), its stdout and
// stderr kept in unlinked temp files so that it can never block on them.
class Background {
 public:
  explicit Background(const std::vector<std::string>& argv)
      : out_(temp_file()), err_(temp_file()) {
    auto child = spawn_child({.argv = argv, .stdout_fd = out_.get(), .stderr_fd = err_.get()});
    REQUIRE_MESSAGE(child, child.error().message);
    child_ = std::move(*child);
  }

  // Waits for the command to end.
  RunOutput wait() {
    auto exit = child_.wait();
    REQUIRE(exit);
    return {exit->code, contents(out_.get()), contents(err_.get())};
  }

 private:
  static UniqueFd temp_file() {
    char path[] = "/tmp/dmc-test-out-XXXXXX";
    UniqueFd fd(::mkostemp(path, O_CLOEXEC));
    REQUIRE(fd.valid());
    ::unlink(path);
    return fd;
  }
  static std::string contents(int fd) {
    ::lseek(fd, 0, SEEK_SET);
    return read_all(fd);
  }

  UniqueFd out_, err_;
  Child child_;
};

// Names (paths) of entries under `dir`, at any depth, whose name contains `word`.
inline std::vector<std::string> entries_named(const std::string& dir, const std::string& word) {
  std::vector<std::string> out;
  std::error_code ec;
  auto options = std::filesystem::directory_options::skip_permission_denied;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, options, ec);
       it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->path().filename().string().find(word) != std::string::npos) {
      out.push_back(it->path().string());
      it.disable_recursion_pending();
    }
  }
  return out;
}

// Everything of container `handle` that is on the machine, one line each:
// mounts under its depot dir, cgroups, processes (see processes_of), runtime
// state and runtime log entries named after it, its depot dir, and any
// temporary of a create (`.tmp-*`) left in the depot.
inline std::vector<std::string> remains_of(const DmcEnv& env, const std::string& handle) {
  std::vector<std::string> out;
  for (const auto& m : mounts_under(env.depot() + "/" + handle)) out.push_back("mount " + m);
  for (const auto& c : cgroup_dirs("/dmc/" + handle)) out.push_back("cgroup " + c);
  for (int pid : processes_of(handle)) out.push_back("process " + describe_process(pid));
  for (const auto& s : entries_named(env.state_root(), handle)) out.push_back("runtime state " + s);
  for (const auto& s : entries_named(env.state_root() + "-logs", handle)) out.push_back("log " + s);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(env.depot(), ec)) {
    auto name = e.path().filename().string();
    if (name.find(handle) != std::string::npos || name.starts_with(".tmp-")) {
      out.push_back("depot entry " + e.path().string());
    }
  }
  return out;
}

inline std::string joined_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

// Nothing of `handle` is left, and none of `seen` (processes the test saw
// belonging to it, see seen_of) is alive.
inline void check_nothing_left(const DmcEnv& env, const std::string& handle,
                               const std::vector<Seen>& seen = {}) {
  auto remains = remains_of(env, handle);
  CHECK_MESSAGE(remains.empty(), "left on the machine for " << handle << ":" << joined_lines(remains));
  for (const auto& s : seen) {
    CHECK_MESSAGE(!still_alive(s), "still alive: " << describe_process(s.pid));
  }
}

}  // namespace dmc::test::faults
