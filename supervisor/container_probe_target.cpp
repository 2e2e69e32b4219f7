#include "supervisor/container_probe_target.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <thread>

#include "supervisor/netns_socket.hpp"
#include "supervisor/process_tree.hpp"

namespace dmc::supervisor {
namespace {
using Clock = std::chrono::steady_clock;

// How long a killed probe may take to be reported gone, and its shim to let
// go of its record: bounds, never waited out when things go well.
constexpr auto kKillWait = std::chrono::seconds(10);
constexpr auto kForgetWait = std::chrono::seconds(3);

int left_ms(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Reads what is there; keeps the first kProbeOutputKept bytes. False at EOF.
bool drain(int fd, std::string& output) {
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) return false;
    if (n < 0) return errno == EAGAIN || errno == EINTR;
    size_t room = kProbeOutputKept - std::min(kProbeOutputKept, output.size());
    output.append(buffer, std::min(room, static_cast<size_t>(n)));
  }
}

Result<std::array<UniqueFd, 2>> output_pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("probe output pipe");
  std::array<UniqueFd, 2> ends{UniqueFd(p[0]), UniqueFd(p[1])};
  if (::fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) return sys_error("probe output pipe");
  return ends;
}

}  // namespace

ContainerProbeTarget::ContainerProbeTarget(containerizer::Containerizer& containerizer,
                                           std::string handle, std::string user)
    : containerizer_(containerizer), handle_(std::move(handle)), user_(std::move(user)) {}

Result<ExecResult> ContainerProbeTarget::exec(const std::vector<std::string>& argv,
                                              std::chrono::milliseconds timeout) {
  if (argv.empty()) return make_error(ErrorKind::Invalid, "probe command is empty");
  const auto deadline = Clock::now() + timeout;
  process_tracker::ProcessSpec spec;
  spec.path = argv.front();
  spec.args.assign(argv.begin() + 1, argv.end());
  spec.user = user_;
  DMC_TRY(pipe, output_pipe());
  DMC_TRY(id, containerizer_.run(handle_, spec));
  auto result = await(id, pipe, deadline);
  if (result) {
    forget(id);
  } else {
    (void)containerizer_.signal(handle_, id, SIGKILL);  // never left running unwatched
  }
  return result;
}

Result<ExecResult> ContainerProbeTarget::await(const std::string& id,
                                               std::array<UniqueFd, 2>& pipe,
                                               Clock::time_point deadline) const {
  DMC_TRY(attachment, containerizer_.open_attachment(
                          handle_, id, {.stdout_fd = pipe[1].get(), .stderr_fd = pipe[1].get()}));
  pipe[1].reset();  // the shim has its own copy: EOF comes when it lets go
  ExecResult result;
  DMC_TRY(exit, wait_exit(id, attachment, pipe[0].get(), deadline, result.output));
  if (!exit) DMC_CHECK(kill(id, attachment, pipe[0].get(), result.output));
  result.exit_code = exit;
  return result;
}

Result<std::optional<int>> ContainerProbeTarget::wait_exit(const std::string& id,
                                                           process_tracker::Attachment& a,
                                                           int out_fd, Clock::time_point deadline,
                                                           std::string& output) const {
  for (;;) {
    auto status = a.exit_status();
    if (!status && status.error().kind == ErrorKind::Unavailable) {
      // The shim went away before telling: the record tells (an attachment
      // to a process that has exited is refused, so read the record first).
      if (auto ended = recorded_exit(id)) {
        if (out_fd >= 0) drain(out_fd, output);
        return ended;
      }
      DMC_TRY(again, containerizer_.open_attachment(handle_, id, {}));
      a = std::move(again);
      continue;
    }
    if (!status) return status.error();
    if (*status) {
      if (out_fd >= 0) drain(out_fd, output);
      return *status;
    }
    pollfd fds[2] = {{a.fd(), POLLIN, 0}, {out_fd, POLLIN, 0}};
    int n = ::poll(fds, out_fd >= 0 ? 2 : 1, left_ms(deadline));
    if (n == 0) return std::optional<int>();
    if (n < 0 && errno != EINTR) return sys_error("poll of a probe");
    if (n > 0 && out_fd >= 0 && fds[1].revents != 0 && !drain(out_fd, output)) out_fd = -1;
  }
}

Result<void> ContainerProbeTarget::kill(const std::string& id, process_tracker::Attachment& a,
                                        int out_fd, std::string& output) const {
  // Stopped first, so that it starts nothing more while its tree is read;
  // then its descendants and itself are killed.
  DMC_CHECK(containerizer_.signal(handle_, id, SIGSTOP));
  kill_claimed(descendants(pid_of(id)));
  DMC_CHECK(containerizer_.signal(handle_, id, SIGKILL));
  DMC_TRY(exit, wait_exit(id, a, out_fd, Clock::now() + kKillWait, output));
  if (!exit) {
    return make_error(ErrorKind::Internal, "probe process {} of container {} outlived SIGKILL",
                      id, handle_);
  }
  return {};
}

void ContainerProbeTarget::forget(const std::string& id) const {
  const auto deadline = Clock::now() + kForgetWait;
  for (;;) {
    auto forgotten = containerizer_.forget_process(handle_, id);
    if (forgotten || forgotten.error().kind != ErrorKind::Unavailable) return;
    if (Clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::optional<int> ContainerProbeTarget::recorded_exit(const std::string& id) const {
  auto list = containerizer_.processes(handle_);
  if (!list) return std::nullopt;
  for (const auto& p : *list) {
    if (p.id == id) return p.exit_status;
  }
  return std::nullopt;
}

int ContainerProbeTarget::pid_of(const std::string& id) const {
  auto list = containerizer_.processes(handle_);
  if (!list) return 0;
  for (const auto& p : *list) {
    if (p.id == id) return p.pid;
  }
  return 0;
}

Result<UniqueFd> ContainerProbeTarget::tcp_socket() {
  DMC_TRY(netns, containerizer_.open_namespace(handle_, "net"));
  return tcp_socket_in(netns.get());
}

}  // namespace dmc::supervisor
