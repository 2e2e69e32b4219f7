#include "cmd/attach_session.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/unique_fd.hpp"

namespace dmc::cli {
namespace {

constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
// A shim that went away before it told the exit status (it was leaving as
// we came): attached again, this often at most.
constexpr int kGoneTries = 100;

// Blocks the forwarded signals (and SIGWINCH) while it lives and reads them
// from a signalfd; restores the mask after.
class SignalForwarder {
 public:
  explicit SignalForwarder(bool winch) {
    sigemptyset(&set_);
    for (int s : kForwarded) sigaddset(&set_, s);
    if (winch) sigaddset(&set_, SIGWINCH);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
    fd_.reset(::signalfd(-1, &set_, SFD_CLOEXEC | SFD_NONBLOCK));
  }
  ~SignalForwarder() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  SignalForwarder(const SignalForwarder&) = delete;
  SignalForwarder& operator=(const SignalForwarder&) = delete;
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  sigset_t set_{}, old_{};
  UniqueFd fd_;
};

Result<void> send_window_size(process_tracker::Attachment& attachment) {
  winsize ws{};
  if (::ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0) return {};
  return attachment.resize(ws.ws_col, ws.ws_row);
}

Result<void> forward(int signal_fd, process_tracker::Attachment& attachment) {
  signalfd_siginfo info;
  while (::read(signal_fd, &info, sizeof info) == sizeof info) {
    int sig = static_cast<int>(info.ssi_signo);
    if (sig == SIGWINCH) DMC_CHECK(send_window_size(attachment));
    else DMC_CHECK(attachment.signal(sig));
  }
  return {};
}

// Until the attachment has its answer, forwarding what we are sent.
Result<int> serve(process_tracker::Attachment& attachment, bool tty) {
  SignalForwarder signals(tty);
  if (tty) DMC_CHECK(send_window_size(attachment));
  for (;;) {
    DMC_TRY(status, attachment.exit_status());
    if (status) return *status;
    pollfd fds[2] = {{attachment.fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    if (::poll(fds, signals.fd() >= 0 ? 2 : 1, -1) < 0) {
      if (errno == EINTR) continue;
      return sys_error("poll");
    }
    if (fds[1].revents) DMC_CHECK(forward(signals.fd(), attachment));
  }
}

}  // namespace

Result<int> attach_session(const containerizer::Containerizer& c, const std::string& handle,
                           const std::string& id, SessionOptions options) {
  const process_tracker::StreamFds fds{.stdin_fd = options.with_stdin ? STDIN_FILENO : -1,
                                       .stdout_fd = STDOUT_FILENO,
                                       .stderr_fd = STDERR_FILENO,
                                       .stdin_eof_closes = true};
  const bool tty = options.tty && ::isatty(STDIN_FILENO);
  for (int tries = 0;; ++tries) {
    DMC_TRY(attachment, c.open_attachment(handle, id, fds));
    auto status = serve(attachment, tty);
    if (status || status.error().kind != ErrorKind::Unavailable || tries == kGoneTries) {
      return status;
    }
  }
}

}  // namespace dmc::cli
