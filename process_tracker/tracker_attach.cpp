#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
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

constexpr int kShimExitWaitMs = 5000;

std::string at(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}", dir, name);
}

Result<void> send_attach(int socket, const StreamFds& fds) {
  int32_t flags = fds.stdin_eof_closes ? 0 : protocol::kStdinDetaches;
  std::vector<int> passed;
  if (fds.stdin_fd >= 0) { flags |= protocol::kStdin; passed.push_back(fds.stdin_fd); }
  if (fds.stdout_fd >= 0) { flags |= protocol::kStdout; passed.push_back(fds.stdout_fd); }
  if (fds.stderr_fd >= 0) { flags |= protocol::kStderr; passed.push_back(fds.stderr_fd); }
  return protocol::send(socket, {protocol::Type::Attach, flags, static_cast<int32_t>(fds.token)},
                        passed);
}

Result<void> set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return sys_error("fcntl");
  return {};
}

// Blocks until the attachment has its answer.
Result<int> wait_for_exit(Attachment& attachment) {
  for (;;) {
    DMC_TRY(status, attachment.exit_status());
    if (status) return *status;
    pollfd p{attachment.fd(), POLLIN, 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) return sys_error("poll");
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
// A shim that went away before it told an attachment the exit status (it
// was leaving as the attachment came): attached again, this often at most.
constexpr int kGoneTries = 100;

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

// What spec.json says of the process that ps shows: its command and group.
void describe(const std::string& dir, ProcessInfo& info) {
  auto doc = json::parse_file(at(dir, names::kSpec));
  if (!doc) return;
  auto command = json::get_optional_array(*doc, "command");
  if (command && *command) {
    for (const auto& v : (*command)->GetArray()) {
      if (v.IsString()) info.command.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  auto group = json::get_optional_string(*doc, "group");
  if (group && *group) info.group = **group;
}

}  // namespace

Result<Attachment> Tracker::open_attachment(const std::string& processes_dir,
                                            const std::string& id, const StreamFds& fds) const {
  DMC_TRY(dir, process_dir(processes_dir, id));
  for (int tries = 0;; ++tries) {
    auto socket = protocol::connect_in(dir, names::kShimSocket);
    if (socket && send_attach(socket->get(), fds)) {
      DMC_CHECK(set_nonblocking(socket->get()));
      return Attachment(std::move(*socket), dir, id);
    }
    // The shim is gone (done, or dead): the record tells the rest.
    if (!owned(dir)) {
      auto status = attach_orphan(dir, id, fds);
      if (status || status.error().kind != ErrorKind::Unavailable) {
        return Attachment::finished(std::move(status), dir, id);
      }
    }
    if (tries == kBusyTries) {
      return make_error(ErrorKind::Unavailable, "process {}: its shim does not answer", id);
    }
    std::this_thread::sleep_for(kBusyWait);
  }
}

Result<int> Tracker::attach(const std::string& processes_dir, const std::string& id,
                            const StreamFds& fds) const {
  for (int tries = 0;; ++tries) {
    DMC_TRY(attachment, open_attachment(processes_dir, id, fds));
    auto status = wait_for_exit(attachment);
    if (status || status.error().kind != ErrorKind::Unavailable || tries == kGoneTries) {
      return status;
    }
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
    ProcessInfo info{.id = id, .pid = 0, .state = "", .exit_status = std::nullopt};
    describe(dir, info);
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
