#include "process_tracker/record.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <vector>
#include <cstdlib>

#include "common/fs.hpp"
#include "process_tracker/layout.hpp"

namespace dmc::process_tracker {
namespace {

std::optional<uint64_t> number(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) return std::nullopt;
  return value;
}

// The n-th whitespace-separated word of text (0-based).
std::string_view word(std::string_view text, int n) {
  size_t at = 0;
  for (int i = 0;; ++i) {
    at = text.find_first_not_of(" \n", at);
    if (at == std::string_view::npos) return {};
    size_t end = std::min(text.find_first_of(" \n", at), text.size());
    if (i == n) return text.substr(at, end - at);
    at = end;
  }
}

}  // namespace

std::optional<uint64_t> start_time(int pid) {
  auto stat = read_file(fmt::format("/proc/{}/stat", pid));
  if (!stat) return std::nullopt;
  auto close = stat->rfind(')');  // the command may hold spaces and parens
  if (close == std::string::npos) return std::nullopt;
  // After "pid (comm)": field 3 is word 0, so field 22 is word 19.
  return number(word(std::string_view(*stat).substr(close + 1), 19));
}

UniqueFd proven_pidfd(int pid, uint64_t start) {
  if (pid <= 0) return {};
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  // Taken first: if the start time matches now, the pidfd is that process.
  if (!pidfd || start_time(pid) != start) return {};
  return pidfd;
}

ProvenPid read_pid_claim(const std::string& path) {
  auto text = read_file(path);
  if (!text) return {};
  auto pid = number(word(*text, 0));
  if (!pid || *pid == 0 || *pid > INT32_MAX) return {};
  return {static_cast<int>(*pid), number(word(*text, 1))};
}

UniqueFd open_lock(const std::string& dir, bool create) {
  auto path = fmt::format("{}/{}", dir, names::kLock);
  return UniqueFd(::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600));
}

// A shared probe: probes never stand in each other's way, and the owner's
// exclusive lock refuses them all.
bool owned(const std::string& dir) {
  UniqueFd lock = open_lock(dir, false);
  if (!lock) return false;  // never locked: no shim was ever handed the record
  if (::flock(lock.get(), LOCK_SH | LOCK_NB) == 0) return false;
  return errno == EWOULDBLOCK;
}

std::string state_line(SpoolState state) {
  return fmt::format("{:020} {:020}\n", state.base, state.delivered);
}

SpoolState read_state(const std::string& path) {
  auto text = read_file(path);
  if (!text) return {};
  auto base = number(word(*text, 0));
  auto delivered = number(word(*text, 1));
  if (!base || !delivered || *delivered < *base) return {};
  return {*base, *delivered};
}

std::string parent_dir(const std::string& dir) {
  auto slash = dir.find_last_of('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : dir.substr(0, slash);
}

namespace {

// A record being made stays unlocked for an instant after its mkdir.
constexpr int64_t kLeftoverAgeNs = 60'000'000'000;

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void remove_unowned(const std::string& dir) {
  if (!owned(dir)) (void)remove_tree(dir);
}

}  // namespace

void prune_records(const std::string& processes_dir, size_t keep) {
  DIR* d = ::opendir(processes_dir.c_str());
  if (!d) return;
  std::vector<std::pair<int64_t, std::string>> delivered;
  std::vector<std::string> leftovers;
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const int64_t now_ns = static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    std::string dir = fmt::format("{}/{}", processes_dir, name);
    struct stat st;
    if (name.starts_with(names::kNewPrefix)) {
      if (::stat(dir.c_str(), &st) == 0 && now_ns - mtime_ns(st) > kLeftoverAgeNs) {
        leftovers.push_back(dir);
      }
    } else if (!name.starts_with(".") &&
               ::stat(fmt::format("{}/{}", dir, names::kDelivered).c_str(), &st) == 0) {
      delivered.emplace_back(mtime_ns(st), dir);
    }
  }
  ::closedir(d);
  for (const auto& dir : leftovers) remove_unowned(dir);
  if (delivered.size() <= keep) return;
  std::sort(delivered.begin(), delivered.end());
  for (size_t i = 0; i < delivered.size() - keep; ++i) remove_unowned(delivered[i].second);
}

}  // namespace dmc::process_tracker
