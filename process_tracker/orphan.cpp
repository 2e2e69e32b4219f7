#include "process_tracker/orphan.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common/fs.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/record.hpp"
#include "process_tracker/tracker.hpp"

namespace dmc::process_tracker {
namespace {

std::string at(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}", dir, name);
}

// Spool bytes [from, to) into fd; the offset reached.
off_t copy_out(int spool, off_t from, off_t to, int fd) {
  char buffer[65536];
  while (from < to) {
    ssize_t n = ::pread(spool, buffer, std::min<off_t>(sizeof buffer, to - from), from);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || !write_all(fd, {buffer, static_cast<size_t>(n)})) break;
    from += n;
  }
  return from;
}

// What the spool holds from the first byte no client received; the state
// then says it was delivered. Whether bytes are left that no client has
// (fd is -1, or it stopped taking them).
Result<bool> deliver_spool(const std::string& dir, std::string_view spool_name,
                           std::string_view state_name, int fd) {
  UniqueFd spool(::open(at(dir, spool_name).c_str(), O_RDONLY | O_CLOEXEC));
  if (!spool) return errno == ENOENT ? Result<bool>(false) : sys_error(at(dir, spool_name));
  struct stat st;
  if (::fstat(spool.get(), &st) < 0) return sys_error(at(dir, spool_name));
  SpoolState state = read_state(at(dir, state_name));
  const off_t from = static_cast<off_t>(state.delivered - state.base);
  if (from >= st.st_size) return false;
  if (fd < 0) return true;
  off_t reached = copy_out(spool.get(), from, st.st_size, fd);
  state.delivered = state.base + static_cast<uint64_t>(reached);
  DMC_CHECK(atomic_write_file(at(dir, state_name), state_line(state)));
  if (reached < st.st_size) return make_error(ErrorKind::Internal, "write output: {}", std::strerror(errno));
  return false;
}

UniqueFd process_pidfd(const std::string& dir) {
  ProvenPid claim = read_pid_claim(at(dir, names::kPid));
  auto start = read_file(at(dir, names::kPidStart));
  if (claim.pid <= 0 || !start) return {};
  return proven_pidfd(claim.pid, std::strtoull(start->c_str(), nullptr, 10));
}

}  // namespace

// Only a pid proven by its start time counts: without pid.start, a live
// process of that pid may be anyone's.
bool process_running(const std::string& dir) { return process_pidfd(dir).valid(); }

Result<int> attach_orphan(const std::string& dir, const std::string& id, const StreamFds& fds) {
  // One attach at a time takes the spool; a record that became someone's
  // again (a new run of its id) is not ours to read.
  UniqueFd lock = open_lock(dir, false);
  if (lock && ::flock(lock.get(), LOCK_EX | LOCK_NB) < 0) {
    return make_error(ErrorKind::Unavailable, "process {}: its record is busy", id);
  }
  DMC_TRY(out_left, deliver_spool(dir, names::kStdoutSpool, names::kStdoutState, fds.stdout_fd));
  DMC_TRY(err_left, deliver_spool(dir, names::kStderrSpool, names::kStderrState, fds.stderr_fd));
  DMC_TRY(status, read_exit_status(dir));
  if (!status) {
    return make_error(ErrorKind::ProcessLost,
                      "process {} lost: its shim died while it ran; its exit status is unknown", id);
  }
  // Its status was read and no output is left: delivered (the first time,
  // older records go).
  if (!out_left && !err_left && !path_exists(at(dir, names::kDelivered)) &&
      atomic_write_file(at(dir, names::kDelivered), "")) {
    prune_records(parent_of(dir), names::kKeptDelivered);
  }
  return *status;
}

Result<void> signal_orphan(const std::string& dir, const std::string& id, int signal) {
  UniqueFd pidfd = process_pidfd(dir);
  if (!pidfd && read_pid_claim(at(dir, names::kPid)).pid > 0 &&
      !path_exists(at(dir, names::kPidStart))) {
    // Its shim died before it recorded what proves the pid.
    return make_error(ErrorKind::ProcessLost, "process {} lost: its pid cannot be proven", id);
  }
  if (!pidfd) {
    return make_error(ErrorKind::ProcessLost,
                      "process {} lost: it is not running and its exit status is unknown (its "
                      "shim died or never started)", id);
  }
  if (::syscall(SYS_pidfd_send_signal, pidfd.get(), signal, nullptr, 0) < 0) {
    return sys_error(fmt::format("signal process {}", id));
  }
  return {};
}

}  // namespace dmc::process_tracker
