#include "stopper/signaller.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <span>

#include "common/unique_fd.hpp"

namespace dmc::stopper {
namespace {

// Few enough pidfds at once to stay far below the open file limit.
constexpr size_t kBatch = 256;

struct Target {
  int pid = -1;
  UniqueFd pidfd;  // invalid on a kernel without pidfds: kill() the pid
};

// nullopt: the process is gone already.
Result<std::optional<Target>> open_target(int pid) {
  long fd = ::syscall(SYS_pidfd_open, pid, 0);
  if (fd >= 0) return Target{pid, UniqueFd(static_cast<int>(fd))};
  if (errno == ESRCH) return std::nullopt;
  if (errno == ENOSYS) return Target{pid, UniqueFd()};
  return sys_error(fmt::format("pidfd_open {}", pid));
}

// False when the process exited before the signal reached it.
Result<bool> send(const Target& target, int sig) {
  long r = target.pidfd
               ? ::syscall(SYS_pidfd_send_signal, target.pidfd.get(), sig, nullptr, 0)
               : ::kill(target.pid, sig);
  if (r == 0) return true;
  if (errno == ESRCH) return false;
  return sys_error(fmt::format("send signal {} to pid {}", sig, target.pid));
}

// A pidfd opened after one listing names a process of the cgroup if its pid is
// still listed afterwards: the pid cannot be reused while that process lives.
Result<int> signal_batch(const CgroupDir& cgroup, int init_pid, int sig,
                         std::span<const int> pids, std::set<int>& done) {
  std::vector<Target> targets;
  for (int pid : pids) {
    DMC_TRY(target, open_target(pid));
    if (target) targets.push_back(std::move(*target));
  }
  if (targets.empty()) return 0;
  DMC_TRY(still, cgroup.members(init_pid));
  std::ranges::sort(still);
  int count = 0;
  for (const auto& target : targets) {
    if (!std::ranges::binary_search(still, target.pid)) continue;
    DMC_TRY(sent, send(target, sig));
    done.insert(target.pid);
    count += sent ? 1 : 0;
  }
  return count;
}

}  // namespace

Result<int> signal_newcomers(const CgroupDir& cgroup, int init_pid, int sig,
                             std::set<int>& done) {
  DMC_TRY(listed, cgroup.members(init_pid));
  std::erase_if(listed, [&](int pid) { return done.contains(pid); });
  int count = 0;
  for (size_t i = 0; i < listed.size(); i += kBatch) {
    auto batch = std::span<const int>(listed).subspan(i, std::min(kBatch, listed.size() - i));
    DMC_TRY(n, signal_batch(cgroup, init_pid, sig, batch, done));
    count += n;
  }
  return count;
}

}  // namespace dmc::stopper
