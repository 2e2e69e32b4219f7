// What the shim records in its container's event journal (journal/): the
// process's start, and its exit right after exit_status is on disk, so the
// exit is there even when nobody is attached and no dmc or dmcd runs. A
// failed append is logged: the next reconcile (containerizer) adds a
// missing exit from exit_status, once.

#include "common/cgroup.hpp"
#include "common/fs.hpp"
#include "journal/reconcile.hpp"
#include "process_tracker/shim_impl.hpp"

namespace dmc::process_tracker {
namespace {

constexpr int kKilledCode = 128 + 9;  // SIGKILL, as an OOM kill shows

std::string process_id(const std::string& dir) {
  auto slash = dir.find_last_of('/');
  return slash == std::string::npos ? dir : dir.substr(slash + 1);
}

// The memory cgroup in a /proc/<pid>/cgroup text: v1 "N:...memory...:/p",
// else v2 "0::/p".
std::string memory_cgroup(const std::string& text) {
  std::string v2;
  size_t at = 0;
  for (size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    std::string line = text.substr(at, end - at);
    auto first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    auto controllers = "," + line.substr(first + 1, second - first - 1) + ",";
    if (controllers.find(",memory,") != std::string::npos) return line.substr(second + 1);
    if (controllers == ",,") v2 = line.substr(second + 1);
  }
  return v2;
}

// The cgroup's OOM kill counter, if it can be read.
std::optional<uint64_t> oom_kills(const std::string& cgroup_path) {
  if (cgroup_path.empty()) return std::nullopt;
  auto hierarchies = cgroup::hierarchies();
  if (!hierarchies) return std::nullopt;
  auto dir = cgroup::dir_for(*hierarchies, "memory", cgroup_path);
  if (dir.empty()) return std::nullopt;
  auto count = journal::read_oom_kill_count(dir + "/memory.oom_control");
  if (!count) count = journal::read_oom_kill_count(dir + "/memory.events");
  return count ? std::optional(*count) : std::nullopt;
}

}  // namespace

// Read while the process runs: at its exit, /proc/<pid> is gone.
void Shim::note_cgroup() {
  if (options_.journal.empty()) return;
  auto text = read_file(fmt::format("/proc/{}/cgroup", process_pid_));
  if (text) memory_cgroup_ = memory_cgroup(*text);
}

void Shim::journal_start() {
  if (options_.journal.empty()) return;
  auto appended = journal::Journal(options_.journal)
                      .append(journal::types::kStartProcess,
                              {journal::string_field("process", process_id(options_.dir))});
  // NotFound: a container without a journal (made by a dmc without one).
  if (!appended && appended.error().kind != ErrorKind::NotFound) {
    logger_.error("journal.start-process", appended.error());
  }
}

// An exit by SIGKILL may be the kernel's OOM killer's: its oom event (the
// cgroup's counter, if it went up) goes in first.
void Shim::journal_exit() {
  if (options_.journal.empty()) return;
  journal::Observed observed{
      .oom_kills = *exit_code_ == kKilledCode ? oom_kills(memory_cgroup_) : std::nullopt,
      .exited = {{.process = process_id(options_.dir), .status = *exit_code_}}};
  auto recorded = journal::reconcile(journal::Journal(options_.journal), observed);
  if (!recorded && recorded.error().kind != ErrorKind::NotFound) {
    logger_.error("journal.exit", recorded.error());
  }
}

}  // namespace dmc::process_tracker
