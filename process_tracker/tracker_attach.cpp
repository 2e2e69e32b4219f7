#include <dirent.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "process_tracker/layout.hpp"
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

Result<void> send_window_size(int socket, int tty_fd) {
  winsize ws{};
  if (::ioctl(tty_fd, TIOCGWINSZ, &ws) < 0) return {};
  return protocol::send(socket, {protocol::Type::Resize, ws.ws_col, ws.ws_row});
}

Result<void> forward(int signal_fd, int socket, int tty_fd) {
  signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGWINCH) DMC_CHECK(send_window_size(socket, tty_fd));
    else DMC_CHECK(protocol::send(socket, {protocol::Type::Signal, sig, 0}));
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

// The process ended and its shim is gone: its status is on disk.
Result<int> exited_status(const std::string& dir, const std::string& id) {
  DMC_TRY(status, read_exit_status(dir));
  if (status) return *status;
  return make_error(ErrorKind::Internal, "process {}: its shim is gone and it left no exit status", id);
}

Result<int> wait_for_exit(int socket, const AttachIo& io, const std::string& dir,
                          const std::string& id) {
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
    if (!received || !*received) return exited_status(dir, id);  // the shim went away
    if ((*received)->message.type == protocol::Type::Exit) return (*received)->message.a;
  }
}

int pidfd_open(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// The shim of dir, if it still runs: its pid file, checked against its
// command line so that a reused pid is never signalled.
UniqueFd shim_pidfd(const std::string& dir) {
  auto text = read_file(at(dir, names::kShimPid));
  if (!text) return {};
  int pid = std::atoi(text->c_str());
  if (pid <= 0) return {};
  UniqueFd pidfd(pidfd_open(pid));
  if (!pidfd) return {};
  auto cmdline = read_file(fmt::format("/proc/{}/cmdline", pid)).value_or("");
  if (cmdline.find(std::string("--dir\0", 6) + dir + '\0') == std::string::npos) return {};
  return pidfd;
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
  // A shim that is gone, or going (it exits once the process ended and all
  // output was delivered), leaves the exit status on disk.
  auto socket = protocol::connect_in(dir, names::kShimSocket);
  if (!socket || !send_attach(socket->get(), io)) return exited_status(dir, id);
  return wait_for_exit(socket->get(), io, dir, id);
}

Result<void> Tracker::signal(const std::string& processes_dir, const std::string& id,
                             int signal) const {
  DMC_TRY(dir, process_dir(processes_dir, id));
  DMC_TRY(status, read_exit_status(dir));
  auto socket = protocol::connect_in(dir, names::kShimSocket);
  if (status || !socket) {
    return make_error(ErrorKind::Invalid, "process {} has already exited", id);
  }
  return protocol::send(socket->get(), {protocol::Type::Signal, signal, 0});
}

Result<std::vector<ProcessInfo>> Tracker::list(const std::string& processes_dir) const {
  std::vector<ProcessInfo> out;
  DIR* d = ::opendir(processes_dir.c_str());
  if (!d) return errno == ENOENT ? Result<std::vector<ProcessInfo>>(out) : sys_error(processes_dir);
  while (dirent* e = ::readdir(d)) {
    std::string id = e->d_name;
    if (id.starts_with(".")) continue;
    std::string dir = at(processes_dir, id);
    ProcessInfo info{.id = id, .pid = 0, .state = "running", .exit_status = std::nullopt,
                     .command = command_of(dir)};
    info.pid = std::atoi(read_file(at(dir, names::kPid)).value_or("0").c_str());
    info.exit_status = read_exit_status(dir).value_or(std::nullopt);
    if (info.exit_status) info.state = "exited";
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
