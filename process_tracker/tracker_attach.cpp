#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/orphan.hpp"
#include "process_tracker/record.hpp"
#include "process_tracker/protocol.hpp"
#include "process_tracker/tracker.hpp"

namespace dmc::process_tracker {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
constexpr int kShimExitWaitMs = 5000;

std::string at(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}", dir, name);
}

// Blocks the forwarded signals (and SIGWINCH) for the attach's lifetime and
// reads them from a signalfd; restores the mask after.
class SignalForwarder {
 public:
  SignalForwarder(bool forward, bool winch) {
    sigemptyset(&set_);
    if (forward) for (int s : kForwarded) sigaddset(&set_, s);
    if (winch) sigaddset(&set_, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
    fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  ~SignalForwarder() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  sigset_t set_{}, old_{};
  UniqueFd fd_;
};

// A resize or a signal for a shim that has just gone away (its process
// ended) is moot, not an error: what it left, its exit status queued on the
// socket or on disk, is read next. A fast tty process lost its status to
// exit 125 ("send to shim: Broken pipe") before.
Result<void> tell_shim(int socket, protocol::Message message) {
  auto sent = protocol::send(socket, message);
  if (!sent && (sent.error().err == EPIPE || sent.error().err == ECONNRESET)) return {};
  return sent;
}

Result<void> send_window_size(int socket, int tty_fd) {
  winsize ws{};
  if (::ioctl(tty_fd, TIOCGWINSZ, &ws) < 0) return {};
  return tell_shim(socket, {protocol::Type::Resize, ws.ws_col, ws.ws_row});
}

Result<void> forward(int signal_fd, int socket, int tty_fd) {
  signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGWINCH) DMC_CHECK(send_window_size(socket, tty_fd));
    else DMC_CHECK(tell_shim(socket, {protocol::Type::Signal, sig, 0}));
  }
  return {};
}

Result<void> send_attach(int socket, const AttachIo& io) {
  int32_t flags = 0;
  std::vector<int> fds;
  if (io.stdin_fd >= 0) { flags |= protocol::kStdin; fds.push_back(io.stdin_fd); }
  if (io.stdout_fd >= 0) { flags |= protocol::kStdout; fds.push_back(io.stdout_fd); }
  if (io.stderr_fd >= 0) { flags |= protocol::kStderr; fds.push_back(io.stderr_fd); }
  return protocol::send(socket, {protocol::Type::Attach, flags, 0}, fds);
}

// The exit status from the shim; nullopt if the shim went away first.
Result<std::optional<int>> wait_for_exit(int socket, const AttachIo& io) {
  SignalForwarder signals(io.forward_signals, io.tty_fd >= 0);
  if (io.tty_fd >= 0) DMC_CHECK(send_window_size(socket, io.tty_fd));
  for (;;) {
    pollfd fds[2] = {{socket, POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    if (::poll(fds, signals.fd() >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return sys_error("poll");
    }
    if (fds[1].revents) DMC_CHECK(forward(signals.fd(), socket, io.tty_fd));
    if (!fds[0].revents) continue;
    auto received = protocol::receive(socket);
    if (!received || !*received) return std::optional<int>();  // the shim went away
    if ((*received)->message.type == protocol::Type::Exit) {
      return std::optional<int>((*received)->message.a);
    }
  }
}

// The shim of dir, if it still runs: its pid, proven by its start time (by
// its command line for a shim that recorded none), so that a reused pid is
// never signalled.
UniqueFd shim_pidfd(const std::string& dir) {
  ProvenPid claim = read_pid_claim(at(dir, names::kShimPid));
  if (claim.pid <= 0) return {};
  if (claim.start) return proven_pidfd(claim.pid, *claim.start);
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, claim.pid, 0)));
  if (!pidfd) return {};
  auto cmdline = read_file(fmt::format("/proc/{}/cmdline", claim.pid)).value_or("");
  if (cmdline.find(std::string("--dir\0", 6) + dir + '\0') == std::string::npos) return {};
  return pidfd;
}

// A shim that owns its record but has no socket (yet, or any more) is
// starting or leaving: asked again, this long at most.
constexpr int kBusyTries = 500;
constexpr auto kBusyWait = std::chrono::milliseconds(10);

std::string state_of(const std::string& dir, const std::optional<int>& exit_status) {
  if (exit_status) return "exited";
  return owned(dir) ? "running" : "lost";
}

void end_shim(const std::string& dir) {
  UniqueFd pidfd = shim_pidfd(dir);
  if (!pidfd) return;
  ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGTERM, nullptr, 0);
  pollfd pfd{pidfd.get(), POLLIN, 0};
  if (::poll(&pfd, 1, kShimExitWaitMs) <= 0) {
    ::syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
  }
}

std::vector<std::string> command_of(const std::string& dir) {
  std::vector<std::string> out;
  auto doc = json::parse_file(at(dir, names::kSpec));
  if (!doc) return out;
  auto command = json::get_optional_array(*doc, "command");
  if (!command || !*command) return out;
  for (const auto& v : (*command)->GetArray()) {
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

}  // namespace

Result<int> Tracker::attach(const std::string& processes_dir, const std::string& id,
                            const AttachIo& io) const {
  DMC_TRY(dir, process_dir(processes_dir, id));
  for (int tries = 0;; ++tries) {
    auto socket = protocol::connect_in(dir, names::kShimSocket);
    if (socket && send_attach(socket->get(), io)) {
      DMC_TRY(status, wait_for_exit(socket->get(), io));
      if (status) return *status;
    }
    // The shim is gone (done, or dead): the record tells the rest.
    if (!owned(dir)) {
      auto status = attach_orphan(dir, id, io);
      if (status || status.error().kind != ErrorKind::Unavailable) return status;
    }
    if (tries == kBusyTries) {
      return make_error(ErrorKind::Unavailable, "process {}: its shim does not answer", id);
    }
    std::this_thread::sleep_for(kBusyWait);
  }
}

Result<void> Tracker::signal(const std::string& processes_dir, const std::string& id,
                             int signal) const {
  DMC_TRY(dir, process_dir(processes_dir, id));
  DMC_TRY(status, read_exit_status(dir));
  if (status) return make_error(ErrorKind::Invalid, "process {} has already exited", id);
  auto socket = protocol::connect_in(dir, names::kShimSocket);
  if (socket) return protocol::send(socket->get(), {protocol::Type::Signal, signal, 0});
  if (!owned(dir)) return signal_orphan(dir, id, signal);
  return make_error(ErrorKind::Unavailable, "process {}: its shim does not answer", id);
}

Result<std::vector<ProcessInfo>> Tracker::list(const std::string& processes_dir) const {
  std::vector<ProcessInfo> out;
  DIR* d = ::opendir(processes_dir.c_str());
  if (!d) return errno == ENOENT ? Result<std::vector<ProcessInfo>>(out) : sys_error(processes_dir);
  while (dirent* e = ::readdir(d)) {
    std::string id = e->d_name;
    if (id.starts_with(".")) continue;
    std::string dir = at(processes_dir, id);
    ProcessInfo info{.id = id, .pid = 0, .state = "", .exit_status = std::nullopt,
                     .command = command_of(dir)};
    info.pid = std::atoi(read_file(at(dir, names::kPid)).value_or("0").c_str());
    info.exit_status = read_exit_status(dir).value_or(std::nullopt);
    info.state = state_of(dir, info.exit_status);
    out.push_back(std::move(info));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return out;
}

Result<void> Tracker::stop_shims(const std::string& processes_dir) const {
  DIR* d = ::opendir(processes_dir.c_str());
  if (!d) return errno == ENOENT ? Result<void>() : sys_error(processes_dir);
  std::vector<std::string> dirs;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') dirs.push_back(at(processes_dir, e->d_name));
  }
  ::closedir(d);
  for (const auto& dir : dirs) end_shim(dir);
  return {};
}

}  // namespace dmc::process_tracker
