#include "process_tracker/record.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <ctime>
#include <vector>
#include <cstdlib>

#include "common/fs.hpp"
#include "common/process_proof.hpp"
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
  auto start = proc::start_time(pid);
  return start ? std::optional<uint64_t>(*start) : std::nullopt;
}

UniqueFd proven_pidfd(int pid, uint64_t start) {
  if (pid <= 0 || start == 0) return {};  // an unrecorded start proves nothing
  auto pidfd = proc::pidfd_proven({.pid = pid, .start_time = start});
  return pidfd ? std::move(*pidfd) : UniqueFd();
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


namespace {

// A record being made stays unlocked for an instant after its mkdir.
constexpr int64_t kLeftoverAgeNs = 60'000'000'000;

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void remove_unowned(const std::string& dir) {
  if (!owned(dir)) (void)remove_tree(dir);
}

// The names in dir but "." and "..".
std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(std::move(name));
  }
  ::closedir(d);
  return out;
}

// Records whose making was cut short, once they are old enough.
void remove_leftovers(const std::string& processes_dir, const std::vector<std::string>& entries) {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME, &now);
  const int64_t now_ns = static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
  for (const auto& name : entries) {
    if (!name.starts_with(names::kNewPrefix)) continue;
    std::string dir = fmt::format("{}/{}", processes_dir, name);
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && now_ns - mtime_ns(st) > kLeftoverAgeNs) {
      remove_unowned(dir);
    }
  }
}

}  // namespace

// One readdir when there are few records; a stat each beyond that.
void prune_records(const std::string& processes_dir, size_t keep) {
  const auto entries = names_in(processes_dir);
  remove_leftovers(processes_dir, entries);
  if (entries.size() <= keep) return;
  std::vector<std::pair<int64_t, std::string>> delivered;
  for (const auto& name : entries) {
    if (name.starts_with(".")) continue;
    std::string dir = fmt::format("{}/{}", processes_dir, name);
    struct stat st;
    if (::stat(fmt::format("{}/{}", dir, names::kDelivered).c_str(), &st) == 0) {
      delivered.emplace_back(mtime_ns(st), dir);
    }
  }
  if (delivered.size() <= keep) return;
  std::sort(delivered.begin(), delivered.end());
  for (size_t i = 0; i < delivered.size() - keep; ++i) remove_unowned(delivered[i].second);
}

}  // namespace dmc::process_tracker
