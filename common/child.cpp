#include "common/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>

namespace dmc {
namespace {

std::vector<char*> to_cstrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// In the child: put fd (or /dev/null) on target.
int install_fd(int fd, int target, int null_flags) {
  if (fd < 0) {
    fd = ::open("/dev/null", null_flags | O_CLOEXEC);
    if (fd < 0) return errno;
  }
  if (fd == target) return ::fcntl(fd, F_SETFD, 0) < 0 ? errno : 0;
  return ::dup2(fd, target) < 0 ? errno : 0;
}

[[noreturn]] void child_fail(int report_fd, int err) {
  (void)!::write(report_fd, &err, sizeof err);
  ::_exit(127);
}

[[noreturn]] void exec_in_child(const ChildSpec& spec, char* const* argv,
                                char* const* envp, int report_fd) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  if (int e = install_fd(spec.stdin_fd, 0, O_RDONLY)) child_fail(report_fd, e);
  if (int e = install_fd(spec.stdout_fd, 1, O_WRONLY)) child_fail(report_fd, e);
  if (int e = install_fd(spec.stderr_fd, 2, O_WRONLY)) child_fail(report_fd, e);
  // Nothing else of ours leaks into the child (a long-lived shim would keep
  // a caller's pipe open): every other fd closes at exec.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) child_fail(report_fd, errno);
  if (spec.pre_exec) {
    if (int e = spec.pre_exec()) child_fail(report_fd, e);
  }
  if (envp) {
    ::execvpe(argv[0], argv, envp);
  } else {
    ::execvp(argv[0], argv);
  }
  child_fail(report_fd, errno);
}

}  // namespace

ChildExit decode_wait_status(int status) {
  if (WIFSIGNALED(status)) return {128 + WTERMSIG(status), true};
  return {WEXITSTATUS(status), false};
}

Child::Child(Child&& other) noexcept : pid_(other.release()) {}

Child& Child::operator=(Child&& other) noexcept {
  if (this != &other) {
    this->~Child();
    pid_ = other.release();
  }
  return *this;
}

Child::~Child() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  (void)wait();
}

Result<ChildExit> Child::wait() {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid_, &status, 0);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return sys_error("waitpid");
  pid_ = -1;
  return decode_wait_status(status);
}

pid_t Child::release() { return std::exchange(pid_, -1); }

Result<Child> spawn_child(const ChildSpec& spec) {
  if (spec.argv.empty()) return make_error(ErrorKind::Invalid, "spawn: empty argv");
  auto argv = to_cstrings(spec.argv);
  std::vector<char*> envp;
  if (spec.env) envp = to_cstrings(*spec.env);

  int report[2];
  if (::pipe2(report, O_CLOEXEC) < 0) return sys_error("pipe2");
  UniqueFd report_read(report[0]), report_write(report[1]);

  pid_t pid = ::fork();
  if (pid < 0) return sys_error("fork");
  if (pid == 0) {
    exec_in_child(spec, argv.data(), spec.env ? envp.data() : nullptr,
                  report_write.get());
  }
  Child child(pid);
  report_write.reset();
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(report_read.get(), &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  if (n == sizeof child_errno) {
    (void)child.wait();
    return sys_error(spec.argv[0], child_errno);
  }
  return child;
}

namespace {

Result<UniqueFd> make_capture(int& spec_fd, UniqueFd& write_end) {
  if (spec_fd >= 0) return UniqueFd();
  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe2");
  write_end.reset(p[1]);
  spec_fd = p[1];
  return UniqueFd(p[0]);
}

// Reads both pipes until both reach EOF.
Result<void> drain(std::array<UniqueFd*, 2> fds, std::array<std::string*, 2> sinks) {
  std::array<char, 16384> buf;
  for (;;) {
    std::array<pollfd, 2> pfds{};
    nfds_t n = 0;
    std::array<int, 2> which{};
    for (int i = 0; i < 2; ++i) {
      if (!fds[i]->valid()) continue;
      pfds[n] = {fds[i]->get(), POLLIN, 0};
      which[n++] = i;
    }
    if (n == 0) return {};
    if (::poll(pfds.data(), n, -1) < 0) {
      if (errno == EINTR) continue;
      return sys_error("poll");
    }
    for (nfds_t k = 0; k < n; ++k) {
      if (!pfds[k].revents) continue;
      ssize_t r = ::read(pfds[k].fd, buf.data(), buf.size());
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        fds[which[k]]->reset();
        continue;
      }
      sinks[which[k]]->append(buf.data(), static_cast<size_t>(r));
    }
  }
}

}  // namespace

Result<ChildOutput> run_child(ChildSpec spec) {
  UniqueFd out_write, err_write;
  DMC_TRY(out_read, make_capture(spec.stdout_fd, out_write));
  DMC_TRY(err_read, make_capture(spec.stderr_fd, err_write));
  DMC_TRY(child, spawn_child(spec));
  out_write.reset();
  err_write.reset();
  ChildOutput output;
  DMC_CHECK(drain({&out_read, &err_read}, {&output.out, &output.err}));
  DMC_TRY(exit, child.wait());
  output.exit = exit;
  return output;
}

}  // namespace dmc
