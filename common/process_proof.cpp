#include "common/process_proof.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

#include "common/fs.hpp"

namespace dmc::proc {
namespace {

constexpr int kStateField = 3;       // proc(5): state
constexpr int kStartTimeField = 22;  // proc(5): starttime

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; the syscall is plain enough.
int pidfd_open(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

Result<std::string> read_at(int dir_fd, const char* name) {
  UniqueFd fd(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error(name);
  return read_fd(fd.get());
}

// Where field `wanted` of a stat line starts, less one; the command (field
// 2) may hold spaces and parentheses, so counting starts after its last ')'.
size_t field_at(const std::string& stat, int wanted) {
  size_t pos = stat.rfind(')');
  for (int field = 2; pos != std::string::npos && field < wanted; ++field) {
    pos = stat.find(' ', pos + 1);
  }
  return pos;
}

// A zombie has exited: only its parent's wait is missing.
bool zombie(const std::string& stat) {
  size_t pos = field_at(stat, kStateField);
  return pos != std::string::npos && pos + 1 < stat.size() && stat[pos + 1] == 'Z';
}

Result<uint64_t> parse_start_time(const std::string& stat) {
  size_t pos = field_at(stat, kStartTimeField);
  uint64_t value = 0;
  if (pos != std::string::npos) {
    const char* begin = stat.data() + pos + 1;
    auto [end, ec] = std::from_chars(begin, stat.data() + stat.size(), value);
    if (ec == std::errc() && end != begin) return value;
  }
  return make_error(ErrorKind::Internal, "stat: no start time in '{}'", stat);
}

// /proc/<pid>/cgroup lines are "id:controllers:path".
bool in_cgroup(const std::string& lines, const std::string& cgroup) {
  size_t start = 0;
  while (start < lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    std::string_view line(lines.data() + start, end - start);
    size_t colon = line.find(':', line.find(':') + 1);
    if (colon != std::string_view::npos && line.substr(colon + 1) == cgroup) return true;
    start = end + 1;
  }
  return false;
}

Error gone(int pid) { return make_error(ErrorKind::NotFound, "process {} has exited", pid); }

Error reused(int pid, std::string_view why) {
  return make_error(ErrorKind::NotFound, "pid {} belongs to another process now ({})", pid, why);
}

Result<void> check(int proc_fd, const Claim& claim) {
  auto stat = read_at(proc_fd, "stat");
  if (!stat || zombie(*stat)) return gone(claim.pid);
  auto started = parse_start_time(*stat);
  if (!started) return started.error();
  if (claim.start_time != 0 && *started != claim.start_time) {
    return reused(claim.pid, "its start time differs");
  }
  if (claim.cgroup.empty()) return {};
  auto cgroups = read_at(proc_fd, "cgroup");
  if (!cgroups) return gone(claim.pid);
  if (!in_cgroup(*cgroups, claim.cgroup)) return reused(claim.pid, "it is in another cgroup");
  return {};
}

}  // namespace

Result<uint64_t> start_time_at(int proc_fd) {
  DMC_TRY(stat, read_at(proc_fd, "stat"));
  return parse_start_time(stat);
}

Result<uint64_t> start_time(int pid) {
  UniqueFd fd(::open(fmt::format("/proc/{}", pid).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno == ENOENT ? Result<uint64_t>(gone(pid)) : sys_error("open /proc/pid");
  return start_time_at(fd.get());
}

Result<UniqueFd> open_proven(const Claim& claim) {
  if (claim.pid <= 0) return make_error(ErrorKind::NotFound, "no pid was recorded");
  UniqueFd fd(::open(fmt::format("/proc/{}", claim.pid).c_str(),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return errno == ENOENT ? Result<UniqueFd>(gone(claim.pid)) : sys_error("open /proc/pid");
  DMC_CHECK(check(fd.get(), claim));
  return fd;
}

// The pidfd first, then the proof: if the pidfd's process still lives after
// the proof, the /proc fd that was proven was opened on it.
Result<UniqueFd> pidfd_proven(const Claim& claim) {
  if (claim.pid <= 0) return make_error(ErrorKind::NotFound, "no pid was recorded");
  UniqueFd pidfd(pidfd_open(claim.pid));
  if (!pidfd) return errno == ESRCH ? Result<UniqueFd>(gone(claim.pid)) : sys_error("pidfd_open");
  DMC_CHECK(open_proven(claim));
  if (!alive(pidfd.get())) return gone(claim.pid);
  return pidfd;
}

bool alive(int pidfd) {
  pollfd pfd{pidfd, POLLIN, 0};
  return ::poll(&pfd, 1, 0) == 0;  // readable once the process has exited
}

}  // namespace dmc::proc
