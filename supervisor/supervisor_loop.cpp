// The supervisor's loop: a tick whenever something may have changed (an
// ask written, a shim's exit recorded in the journal, a datagram, a timer),
// and at least once a second.
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "common/process_proof.hpp"
#include "supervisor/service_supervisor.hpp"

namespace dmc::supervisor {
namespace {

constexpr int kIdlePollMs = 1000;
constexpr int kClaimAttempts = 50;
constexpr useconds_t kClaimPauseUs = 4'000;
constexpr uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_MODIFY;

void drain(int fd) {
  alignas(inotify_event) char buffer[4096];
  while (::read(fd, buffer, sizeof buffer) > 0) {
  }
}

int timeout_ms(int64_t wake_ns) {
  if (wake_ns == 0) return kIdlePollMs;
  int64_t ms = (wake_ns - now_ns()) / 1'000'000 + 1;
  return static_cast<int>(std::clamp<int64_t>(ms, 0, kIdlePollMs));
}

}  // namespace

Result<bool> ServiceSupervisor::claim() {
  DMC_TRY(paths, engine_.paths(handle_));
  paths_ = std::move(paths);
  store_.emplace(paths_.dir, handle_);
  // A front door checking whether a supervisor runs holds the lock for an
  // instant: try a while before deciding that another supervisor has it.
  for (int attempt = 0; attempt < kClaimAttempts; ++attempt) {
    auto lock = store_->lock(files::kSupervisorLock, false);
    if (lock) {
      claim_ = std::move(*lock);
      DMC_TRY(start, proc::start_time(::getpid()));
      DMC_CHECK(atomic_write_file(store_->path(files::kSupervisorPid),
                                  fmt::format("{} {}\n", ::getpid(), start)));
      return true;
    }
    if (lock.error().kind != ErrorKind::Unavailable) return lock.error();
    ::usleep(kClaimPauseUs);
  }
  return false;
}

// No service is left: leave, unless one was added meanwhile. The spawn lock
// is kept until this process exits, so that a command adding a service
// either sees it added here or finds no supervisor and starts one.
Result<bool> ServiceSupervisor::may_leave() {
  DMC_TRY(lock, store_->lock(files::kSpawnLock, true));
  DMC_TRY(names, store_->names());
  if (!names.empty()) return false;
  leaving_ = std::move(lock);
  claim_.reset();
  return true;
}

void ServiceSupervisor::watch(int inotify_fd) {
  if (watches_.empty()) {
    ::inotify_add_watch(inotify_fd, paths_.dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO);
    ::inotify_add_watch(inotify_fd, store_->dir().c_str(), kDirEvents);
    watches_[""] = 0;
  }
  for (const auto& [name, service] : services_) {
    if (watches_.contains(name)) continue;
    std::string dir = store_->dir() + "/" + name;
    watches_[name] = ::inotify_add_watch(inotify_fd, dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  }
  std::erase_if(watches_, [&](const auto& w) {
    return !w.first.empty() && !services_.contains(w.first);
  });
}

Result<void> ServiceSupervisor::run(int stop_fd) {
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return sys_error("supervisor: inotify");
  UniqueFd inotify(fd);
  logger_.info("supervisor.started", {{"handle", handle_}});
  for (;;) {
    auto wake = tick(now_ns());
    if (!wake) {
      if (wake.error().kind == ErrorKind::ContainerNotFound) return {};
      logger_.error("supervisor.tick-failed", wake.error(), {{"handle", handle_}});
    }
    if (services_.empty()) {
      DMC_TRY(leave, may_leave());
      if (leave) return {};
    }
    watch(inotify.get());
    std::vector<pollfd> fds = {{stop_fd, POLLIN, 0}, {inotify.get(), POLLIN, 0}};
    for (const auto& [name, service] : services_) {
      if (service.socket) fds.push_back({service.socket->fd(), POLLIN, 0});
    }
    int ready = ::poll(fds.data(), fds.size(), timeout_ms(wake ? *wake : 0));
    if (ready < 0 && errno != EINTR) return sys_error("supervisor: poll");
    if (fds[0].revents != 0) return {};
    drain(inotify.get());
    read_sockets();
  }
}

}  // namespace dmc::supervisor
