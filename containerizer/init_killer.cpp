#include "containerizer/init_killer.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sstream>

#include "common/fs.hpp"
#include "common/unique_fd.hpp"

namespace dmc::containerizer {
namespace {

constexpr int kExitWaitMs = 10'000;

// glibc 2.36's <sys/pidfd.h> lacks extern "C"; the syscalls are plain enough.
int pidfd_open(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }
int pidfd_kill(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// /proc/<pid>/cgroup lines are "id:controllers:path".
bool in_cgroup(int pid, const std::string& cgroup_path) {
  auto text = read_file(fmt::format("/proc/{}/cgroup", pid));
  if (!text) return false;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    auto colon = line.find(':', line.find(':') + 1);
    if (colon != std::string::npos && line.substr(colon + 1) == cgroup_path) return true;
  }
  return false;
}

Result<void> wait_for_exit(int pidfd, int pid) {
  pollfd pfd{pidfd, POLLIN, 0};
  int n;
  do {
    n = ::poll(&pfd, 1, kExitWaitMs);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error("poll pidfd");
  if (n == 0) {
    return make_error(ErrorKind::Unavailable, "init {} did not exit within {} ms of SIGKILL",
                      pid, kExitWaitMs);
  }
  return {};
}

}  // namespace

Result<bool> kill_init(int pid, const std::string& cgroup_path) {
  if (pid <= 0) return false;
  int fd = pidfd_open(pid);
  if (fd < 0) {
    if (errno == ESRCH) return false;
    return sys_error(fmt::format("pidfd_open {}", pid));
  }
  UniqueFd pidfd(fd);
  // The pidfd pins the process: checked now, it is the one we signal.
  if (!in_cgroup(pid, cgroup_path)) return false;
  if (pidfd_kill(pidfd.get(), SIGKILL) < 0) {
    if (errno == ESRCH) return true;
    return sys_error(fmt::format("kill init {}", pid));
  }
  DMC_CHECK(wait_for_exit(pidfd.get(), pid));
  return true;
}

}  // namespace dmc::containerizer
