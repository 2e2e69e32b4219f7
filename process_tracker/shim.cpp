#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/record.hpp"
#include "process_tracker/shim_impl.hpp"

namespace dmc::process_tracker {
namespace {

std::string at(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}", dir, name);
}

// Holds the record's lock for the shim's life: the one handed over by the
// caller, else taken here.
Result<UniqueFd> hold_lock(const ShimOptions& options) {
  if (options.lock_fd >= 0) {
    if (::fcntl(options.lock_fd, F_SETFD, FD_CLOEXEC) < 0) return sys_error("lock fd");
    return UniqueFd(options.lock_fd);
  }
  UniqueFd lock = open_lock(options.dir, true);
  if (!lock) return sys_error("open lock");
  if (::flock(lock.get(), LOCK_EX | LOCK_NB) < 0) return sys_error("lock record");
  return lock;
}

Result<UniqueFd> open_spool(int dir_fd, std::string_view name) {
  std::string n(name);
  int fd = ::openat(dir_fd, n.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return sys_error(fmt::format("create {}", name));
  return UniqueFd(fd);
}

Result<void> set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return sys_error("fcntl");
  return {};
}

}  // namespace

Shim::Shim(ShimOptions options) : options_(std::move(options)) {}

Result<void> Shim::open_files() {
  int fd = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error(options_.dir);
  dir_fd_.reset(fd);
  log_fd_.reset(::openat(fd, "shim.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  logger_ = Logger("dmc-shim", LogLevel::Info, log_fd_.get());
  DMC_TRY(out, open_spool(fd, names::kStdoutSpool));
  DMC_TRY(out_state, open_spool(fd, names::kStdoutState));
  streams_.push_back(
      std::make_unique<OutputStream>(std::move(out), options_.spool_cap, std::move(out_state)));
  if (options_.tty) return {};
  DMC_TRY(err, open_spool(fd, names::kStderrSpool));
  DMC_TRY(err_state, open_spool(fd, names::kStderrState));
  streams_.push_back(
      std::make_unique<OutputStream>(std::move(err), options_.spool_cap, std::move(err_state)));
  return {};
}

// What the tracker and clients find us by: done while the runtime works.
Result<void> Shim::open_doors() {
  auto claim = fmt::format("{} {}\n", ::getpid(), start_time(::getpid()).value_or(0));
  DMC_CHECK(atomic_write_file(at(options_.dir, names::kShimPid), claim));
  DMC_TRY(listener, protocol::listen_in(dir_fd_.get(), names::kShimSocket));
  listener_ = std::move(listener);
  return {};
}

Result<void> Shim::block_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int sig : {SIGCHLD, SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, sig);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return sys_error("sigprocmask");
  ::signal(SIGPIPE, SIG_IGN);
  int fd = ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (fd < 0) return sys_error("signalfd");
  signal_fd_.reset(fd);
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return sys_error("prctl subreaper");
  return {};
}

// The runtime's (and so the process's) stdio: pipes, whose other ends stay
// here, or /dev/null with a tty, whose master comes over the console socket.
Result<std::array<UniqueFd, 3>> Shim::make_pipes() {
  std::array<UniqueFd, 3> child_ends;
  if (options_.tty) {
    DMC_TRY(console, protocol::listen_in(dir_fd_.get(), names::kConsoleSocket, SOCK_STREAM));
    console_listener_ = std::move(console);
    return child_ends;
  }
  for (int i = 0; i < 3; ++i) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe2");
    UniqueFd read_end(p[0]), write_end(p[1]);
    if (i == 0) {
      DMC_CHECK(set_nonblocking(write_end.get()));
      stdin_ = std::move(write_end);
      child_ends[0] = std::move(read_end);
      continue;
    }
    DMC_CHECK(set_nonblocking(read_end.get()));
    streams_[static_cast<size_t>(i - 1)]->set_source(std::move(read_end));
    child_ends[static_cast<size_t>(i)] = std::move(write_end);
  }
  return child_ends;
}

std::vector<std::string> Shim::runtime_argv() const {
  auto argv = options_.runtime_argv;
  for (auto& arg : argv) {
    if (arg == names::kConsoleSocketPlaceholder) {
      // Reached through our own fd table, so that any path length works.
      arg = fmt::format("/proc/{}/fd/{}/{}", ::getpid(), dir_fd_.get(), names::kConsoleSocket);
    }
  }
  return argv;
}

Result<void> Shim::run_runtime(const std::array<UniqueFd, 3>& child_ends) {
  ChildSpec spec{.argv = runtime_argv()};
  spec.stdin_fd = child_ends[0].get();
  spec.stdout_fd = child_ends[1].get();
  spec.stderr_fd = child_ends[2].get();
  spec.program_fd = options_.runtime_fd;
  auto child = spawn_child(spec);
  // The runtime runs from its own mapping now: a shim that lives as long as
  // its process does not keep the copy.
  if (options_.runtime_fd >= 0) ::close(options_.runtime_fd);
  if (!child) return child.error();
  runtime_pid_ = child->release();  // reaped by our SIGCHLD loop
  return {};
}

Result<void> Shim::wait_for_runtime() {
  pollfd pfd{signal_fd_.get(), POLLIN, 0};
  while (!runtime_status_) {
    if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return sys_error("poll");
    reap();
  }
  ChildExit exit = decode_wait_status(*runtime_status_);
  if (exit.code != 0) {
    return make_error(ErrorKind::Internal, "runtime exec: exit status {}", exit.code);
  }
  DMC_TRY(text, read_file(at(options_.dir, names::kPid)));
  process_pid_ = std::atoi(text.c_str());
  if (process_pid_ <= 0) return make_error(ErrorKind::Internal, "bad pid file: '{}'", text);
  return {};
}

Result<void> Shim::take_console() {
  UniqueFd connection(::accept4(console_listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  if (!connection) return sys_error("accept console socket");
  auto master = protocol::receive_fd(connection.get());
  if (!master) return master.error().wrap("console socket");
  DMC_CHECK(set_nonblocking(master->get()));
  stdin_.reset(::fcntl(master->get(), F_DUPFD_CLOEXEC, 0));
  streams_[0]->set_source(std::move(*master));
  console_listener_.reset();
  ::unlinkat(dir_fd_.get(), std::string(names::kConsoleSocket).c_str(), 0);
  return {};
}

void Shim::report_ready(const std::string& line) {
  if (options_.ready_fd < 0) return;
  (void)!::write(options_.ready_fd, line.data(), line.size());
  // The caller reads until EOF; the fd number stays taken (by /dev/null).
  UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
  if (null) ::dup3(null.get(), options_.ready_fd, O_CLOEXEC);
  else ::close(options_.ready_fd);
  options_.ready_fd = -1;
}

Result<void> Shim::launch() {
  DMC_CHECK(block_signals());
  DMC_CHECK(open_files());
  DMC_TRY(child_ends, make_pipes());
  return run_runtime(child_ends);
}  // our copies of the process's ends are closed here

Result<void> Shim::start() {
  auto started = [&]() -> Result<void> {
    DMC_TRY(lock, hold_lock(options_));
    lock_ = std::move(lock);
    DMC_CHECK(launch());
    // The runtime takes most of a start: the rest of ours is done meanwhile.
    auto doors = open_doors();
    DMC_CHECK(wait_for_runtime());
    if (!doors) {
      ::kill(process_pid_, SIGKILL);  // nobody could reach it
      return doors.error();
    }
    if (options_.tty) DMC_CHECK(take_console());
    return {};
  }();
  if (!started) {
    logger_.error("start", started.error());
    // The runtime's raw wait status when it failed; -1 when the failure is
    // ours (the reason is in shim.log).
    bool runtime_failed = runtime_status_ && decode_wait_status(*runtime_status_).code != 0;
    report_ready(fmt::format("fail {}\n", runtime_failed ? *runtime_status_ : -1));
    return started.error();
  }
  note_cgroup();
  journal_start();  // before its exit can be
  auto early = reaped_.find(process_pid_);
  if (early != reaped_.end()) on_exit(early->second);
  report_ready(fmt::format("ok {}\n", process_pid_));
  record_start_time();
  return {};
}

// What proves the pid once we are gone; off the caller's path. A process
// already reaped needs none: its status is on disk.
void Shim::record_start_time() {
  if (exit_code_) return;
  auto start = start_time(process_pid_);
  if (!start) return;
  auto written = atomic_write_file(at(options_.dir, names::kPidStart), fmt::format("{}\n", *start));
  if (!written) logger_.error("pid-start.write", written.error());
}

// A spool still holding undelivered output (we were told to go) stays,
// with its state, for a later attach.
void Shim::clean_up() {
  if (!dir_fd_) return;
  auto remove = [&](std::string_view name) { ::unlinkat(dir_fd_.get(), std::string(name).c_str(), 0); };
  remove(names::kShimSocket);
  remove(names::kConsoleSocket);
  const std::string_view spools[] = {names::kStdoutSpool, names::kStderrSpool};
  const std::string_view states[] = {names::kStdoutState, names::kStderrState};
  for (size_t i = 0; i < 2; ++i) {
    if (i < streams_.size() && !streams_[i]->all_delivered()) continue;
    remove(spools[i]);
    remove(states[i]);
  }
  bool all_delivered = std::all_of(streams_.begin(), streams_.end(),
                                   [](const auto& s) { return s->all_delivered(); });
  if (exit_sent_ && exit_written_ && all_delivered) {
    (void)atomic_write_file(at(options_.dir, names::kDelivered), "");
    prune_records(parent_of(options_.dir), names::kKeptDelivered);
  }
}

int run_shim(const ShimOptions& options) {
  Shim shim(options);
  if (auto started = shim.start(); !started) {
    shim.clean_up();
    return 1;
  }
  shim.serve();
  shim.clean_up();
  return 0;
}

}  // namespace dmc::process_tracker
