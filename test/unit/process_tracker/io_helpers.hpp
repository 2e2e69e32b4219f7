// File descriptor helpers for the shim's tests: flags, what a pipe holds,
// reading what is there without waiting, the files and client ends a test
// hands to the shim's streams, and test data that shows any loss,
// duplication or reordering.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "process_tracker/shim_io.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

inline int fd_flags(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  REQUIRE(flags >= 0);
  return flags;
}

inline bool is_nonblocking(int fd) { return (fd_flags(fd) & O_NONBLOCK) != 0; }

inline void set_nonblocking(int fd) {
  REQUIRE(::fcntl(fd, F_SETFL, fd_flags(fd) | O_NONBLOCK) == 0);
}

// A second fd on the same open file description (shared offset and flags).
inline UniqueFd dup_fd(int fd) {
  int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  REQUIRE(copy >= 0);
  return UniqueFd(copy);
}

// Always O_CLOEXEC, so that no child a test starts inherits it; 0600 if
// created.
inline UniqueFd open_file(const std::string& path, int flags) {
  UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC, 0600));
  REQUIRE(fd);
  return fd;
}

// A file that holds content when the test opens it (a client's file, a spool).
inline UniqueFd file_with(const std::string& path, const std::string& content, int flags) {
  write_text(path, content);
  return open_file(path, flags);
}

// The end the shim makes of a client's fd. It gets a copy: the test keeps
// fd, as a client keeps its own.
inline process_tracker::ClientEnd client_end(int fd, bool write_end) {
  auto end = process_tracker::ClientEnd::make(dup_fd(fd), write_end);
  REQUIRE_MESSAGE(end, end.error().message);
  return std::move(*end);
}

// All of data into fd, or the test fails.
inline void put_all(int fd, std::string_view data) {
  auto written = dmc::write_all(fd, data);
  REQUIRE_MESSAGE(written, written.error().message);
}

// Whatever can be read from fd right now, without waiting for more.
inline std::string read_available(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return out;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

// Bytes waiting in a pipe or socket.
inline int bytes_buffered(int fd) {
  int n = -1;
  REQUIRE(::ioctl(fd, FIONREAD, &n) == 0);
  return n;
}

inline int pipe_capacity(int fd) {
  int n = ::fcntl(fd, F_GETPIPE_SZ);
  REQUIRE(n > 0);
  return n;
}

// -1 when the file does not exist.
inline long long file_size(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) < 0) return -1;
  return st.st_size;
}

inline bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

// n bytes of a sequence with no short period: a lost, repeated or moved
// block never compares equal.
inline std::string pattern(size_t n, uint32_t seed = 1) {
  std::string out(n, '\0');
  uint32_t x = seed;
  for (auto& c : out) {
    x = x * 1664525u + 1013904223u;
    c = static_cast<char>('a' + (x >> 24) % 26);
  }
  return out;
}

// What /proc/<pid>/fd/<fd> links to ("pipe:[123]", a path), or "".
inline std::string fd_target(int pid, int fd) {
  std::string link = "/proc/" + std::to_string(pid) + "/fd/" + std::to_string(fd);
  char buf[4096];
  ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// Whether pid has an fd on target (as fd_target gives it).
inline bool holds_file(int pid, const std::string& target) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (!d) return false;
  bool found = false;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.' && fd_target(pid, std::atoi(e->d_name)) == target) found = true;
  }
  ::closedir(d);
  return found;
}

// got == want; when not, says where they part instead of printing both.
inline bool same_bytes(const std::string& got, const std::string& want) {
  if (got == want) return true;
  size_t at = 0;
  while (at < got.size() && at < want.size() && got[at] == want[at]) ++at;
  MESSAGE("got ", got.size(), " bytes, want ", want.size(), "; they differ from byte ", at,
          ": got '", got.substr(at, 40), "', want '", want.substr(at, 40), "'");
  return false;
}

// SIGPIPE ignored while it lives: a write into a pipe without a reader
// fails with EPIPE, as it does in the shim.
class SigpipeIgnored {
 public:
  SigpipeIgnored() {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGPIPE, &ignore, &old_) == 0);
  }
  ~SigpipeIgnored() { ::sigaction(SIGPIPE, &old_, nullptr); }
  SigpipeIgnored(const SigpipeIgnored&) = delete;
  SigpipeIgnored& operator=(const SigpipeIgnored&) = delete;

 private:
  struct sigaction old_ {};
};

// Ends the test binary (SIGALRM) if a call that must never block does.
class Watchdog {
 public:
  explicit Watchdog(unsigned seconds = 20) { ::alarm(seconds); }
  ~Watchdog() { ::alarm(0); }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
};

}  // namespace dmc::test
