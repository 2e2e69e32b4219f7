#include "containerizer/init_killer.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace dmc::containerizer {
namespace {

constexpr int kExitWaitMs = 10'000;

int pidfd_kill(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
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

Result<bool> kill_init(const proc::Claim& init) {
  auto pidfd = proc::pidfd_proven(init);
  if (!pidfd && pidfd.error().kind == ErrorKind::NotFound) return false;
  if (!pidfd) return pidfd.error();
  if (pidfd_kill(pidfd->get(), SIGKILL) < 0) {
    if (errno == ESRCH) return true;
    return sys_error(fmt::format("kill init {}", init.pid));
  }
  DMC_CHECK(wait_for_exit(pidfd->get(), init.pid));
  return true;
}

}  // namespace dmc::containerizer
