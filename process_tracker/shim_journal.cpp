// What the shim records in its container's event journal (journal/): the
// process's start, and its exit right after exit_status is on disk, so the
// exit is there even when nobody is attached and no dmc or dmcd runs. A
// failed append is logged: the next reconcile (containerizer) adds a
// missing exit from exit_status, once.

#include <algorithm>

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

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  for (size_t at = 0;;) {
    auto end = text.find(sep, at);
    out.push_back(text.substr(at, end == std::string_view::npos ? end : end - at));
    if (end == std::string_view::npos) return out;
    at = end + 1;
  }
}

bool lists(std::string_view comma_list, std::string_view item) {
  auto items = split(comma_list, ',');
  return std::find(items.begin(), items.end(), item) != items.end();
}

// The process's memory cgroup, from /proc/<pid>/cgroup: "v1:<path>" from
// the line of the memory controller, else "v2:<path>" from "0::<path>".
std::string memory_cgroup(std::string_view text) {
  std::string v2;
  for (auto line : split(text, '\n')) {
    auto fields = split(line, ':');
    if (fields.size() < 3) continue;
    auto path = line.substr(fields[0].size() + fields[1].size() + 2);
    if (lists(fields[1], "memory")) return "v1:" + std::string(path);
    if (fields[1].empty()) v2 = "v2:" + std::string(path);
  }
  return v2;
}

// Where the memory controller's hierarchy (v1), or the unified one (v2),
// is mounted, from /proc/self/mountinfo: "<id> <parent> <dev> <root> <mount
// point> <options> [<optional>...] - <fstype> <source> <super options>".
// (By hand: common/cgroup's parser brings iostreams, half the shim's size.)
std::string mount_point(bool v1) {
  auto text = read_file("/proc/self/mountinfo");
  if (!text) return {};
  for (auto line : split(*text, '\n')) {
    auto dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto head = split(line.substr(0, dash), ' ');
    auto tail = split(line.substr(dash + 3), ' ');
    if (head.size() < 5 || tail.size() < 3) continue;
    if (v1 ? tail[0] == "cgroup" && lists(tail[2], "memory") : tail[0] == "cgroup2") {
      return std::string(head[4]);
    }
  }
  return {};
}

// The cgroup's OOM kill counter, if it can be read.
std::optional<uint64_t> oom_kills(const std::string& cgroup) {
  if (cgroup.size() < 3) return std::nullopt;
  const bool v1 = cgroup.starts_with("v1:");
  auto mount = mount_point(v1);
  if (mount.empty()) return std::nullopt;
  auto dir = mount + cgroup.substr(3);
  auto count = journal::read_oom_kill_count(dir + (v1 ? "/memory.oom_control" : "/memory.events"));
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
