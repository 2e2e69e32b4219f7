#include "common/child.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <linux/close_range.h>
#include <sched.h>
#include <sys/mman.h>
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

// What a child started with clone(CLONE_VM | CLONE_VFORK) shares with us:
// it runs on its own stack, in our memory, while we are suspended until it
// has called execve or _exit. So it reports a failure by writing here.
struct Launch {
  explicit Launch(const ChildSpec& s) : spec(s), argv(to_cstrings(s.argv)) {
    if (s.env) envp = to_cstrings(*s.env);
  }
  const ChildSpec& spec;
  std::vector<char*> argv;
  std::vector<char*> envp;  // empty: inherit ours
  int err = 0;           // the errno that failed the start; 0 once execve ran
  pid_t detached = -1;   // spawn_detached: the pid of the exec'ed grandchild
  char* inner_stack = nullptr;
};

[[noreturn]] void child_fail(Launch& launch, int err) {
  launch.err = err;
  ::_exit(127);
}

// In the child. Signal dispositions are ours to change here: CLONE_VM
// without CLONE_SIGHAND gives the child its own copy of the table.
int exec_in_child(void* arg) {
  auto& launch = *static_cast<Launch*>(arg);
  const ChildSpec& spec = launch.spec;
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (int e = install_fd(spec.stdin_fd, 0, O_RDONLY)) child_fail(launch, e);
  if (int e = install_fd(spec.stdout_fd, 1, O_WRONLY)) child_fail(launch, e);
  if (int e = install_fd(spec.stderr_fd, 2, O_WRONLY)) child_fail(launch, e);
  // Nothing else of ours leaks into the child (a long-lived shim would keep
  // a caller's pipe open): every other fd closes at exec.
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) child_fail(launch, errno);
  // Our fd table is the child's own copy (no CLONE_FILES): this changes
  // nothing of the parent's.
  for (int fd : spec.inherit_fds) {
    if (fd <= 2 || ::fcntl(fd, F_SETFD, 0) < 0) child_fail(launch, fd <= 2 ? EINVAL : errno);
  }
  if (spec.pre_exec) {
    if (int e = spec.pre_exec()) child_fail(launch, e);
  }
  char** envp = spec.env ? launch.envp.data() : environ;
  if (spec.program_fd >= 0) {
    ::execveat(spec.program_fd, "", launch.argv.data(), envp, AT_EMPTY_PATH);
  }
  if (spec.env) {
    ::execvpe(launch.argv[0], launch.argv.data(), envp);
  } else {
    ::execvp(launch.argv[0], launch.argv.data());
  }
  child_fail(launch, errno);
}

constexpr size_t kChildStack = 128 * 1024;

pid_t clone_vfork(int (*fn)(void*), char* stack, Launch& launch) {
  // The stack grows down on every architecture we build for.
  return ::clone(fn, stack + kChildStack, CLONE_VM | CLONE_VFORK | SIGCHLD, &launch);
}

// The middle of a detached start: a new session, the real child started
// from there, then gone, so that the child is reparented to the nearest
// subreaper (or init) and is nobody's zombie.
int detach_in_child(void* arg) {
  auto& launch = *static_cast<Launch*>(arg);
  if (::setsid() < 0) child_fail(launch, errno);
  pid_t pid = clone_vfork(exec_in_child, launch.inner_stack, launch);
  if (pid < 0) child_fail(launch, errno);
  launch.detached = pid;
  ::_exit(0);
}

// Starts fn in a vfork-like child and returns its pid once it has exec'ed or
// exited. Signals stay blocked meanwhile, so that no handler of ours runs in
// the child on our memory.
Result<pid_t> start(int (*fn)(void*), Launch& launch, size_t stacks) {
  void* memory = ::mmap(nullptr, kChildStack * stacks, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (memory == MAP_FAILED) return sys_error("mmap child stack");
  auto* stack = static_cast<char*>(memory);
  if (stacks == 2) launch.inner_stack = stack + kChildStack;
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  pid_t pid = clone_vfork(fn, stack, launch);
  int clone_errno = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ::munmap(memory, kChildStack * stacks);
  if (pid < 0) return sys_error("clone", clone_errno);
  return pid;
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
  Launch launch(spec);
  DMC_TRY(pid, start(exec_in_child, launch, 1));
  Child child(pid);
  if (launch.err != 0) {
    (void)child.wait();
    return sys_error(spec.argv[0], launch.err);
  }
  return child;
}

Result<pid_t> spawn_detached(const ChildSpec& spec) {
  if (spec.argv.empty()) return make_error(ErrorKind::Invalid, "spawn: empty argv");
  Launch launch(spec);
  DMC_TRY(pid, start(detach_in_child, launch, 2));
  DMC_TRY(middle, Child(pid).wait());
  if (launch.err != 0) return sys_error(spec.argv[0], launch.err);
  if (middle.code != 0) return make_error(ErrorKind::Internal, "spawn: exit status {}", middle.code);
  return launch.detached;
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
