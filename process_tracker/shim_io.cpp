#include "process_tracker/shim_io.hpp"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmc::process_tracker {
namespace {

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

Result<size_t> transferred(ssize_t n, const char* what) {
  if (n >= 0) return static_cast<size_t>(n);
  if (would_block(errno) || errno == EINTR) return size_t{0};
  return sys_error(what);
}

}  // namespace

Result<ClientEnd> ClientEnd::make(UniqueFd passed, bool write_end) {
  struct stat st;
  if (::fstat(passed.get(), &st) < 0) return sys_error("fstat client fd");
  if (S_ISREG(st.st_mode)) return ClientEnd(std::move(passed), EndKind::File);
  if (S_ISSOCK(st.st_mode)) return ClientEnd(std::move(passed), EndKind::Socket);
  int flags = (write_end ? O_WRONLY : O_RDONLY) | O_NONBLOCK | O_NOCTTY | O_CLOEXEC;
  auto path = fmt::format("/proc/self/fd/{}", passed.get());
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) return sys_error("reopen client fd");
  return ClientEnd(UniqueFd(fd), EndKind::Reopened);
}

Result<size_t> ClientEnd::write(const char* data, size_t size) const {
  if (kind_ == EndKind::Socket) {
    return transferred(::send(fd(), data, size, MSG_DONTWAIT | MSG_NOSIGNAL), "send");
  }
  return transferred(::write(fd(), data, size), "write");
}

Result<size_t> ClientEnd::write_from(int spool, off_t* offset, size_t size, char* scratch,
                                     size_t scratch_size) const {
  // sendfile into our own pipe/tty descriptions; not into a client's file,
  // which may be O_APPEND (sendfile refuses that with EINVAL).
  if (kind_ == EndKind::Reopened) {
    return transferred(::sendfile(fd(), spool, offset, size), "sendfile");
  }
  ssize_t got = ::pread(spool, scratch, std::min(size, scratch_size), *offset);
  if (got < 0) return sys_error("read spool");
  DMC_TRY(sent, write(scratch, static_cast<size_t>(got)));
  *offset += static_cast<off_t>(sent);
  return sent;
}

Result<size_t> ClientEnd::splice_from(int pipe, size_t size) const {
  if (kind_ == EndKind::File) return make_error(ErrorKind::Invalid, "no splice into a client's file");
  ssize_t n = ::splice(pipe, nullptr, fd(), nullptr, size, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
  if (n >= 0) return static_cast<size_t>(n);
  if (would_block(errno) || errno == EINTR) return make_error(ErrorKind::Unavailable, "would block");
  if (errno == EINVAL) return make_error(ErrorKind::Invalid, "cannot splice");
  return sys_error("splice");
}

Result<size_t> ClientEnd::read(char* data, size_t size) const {
  ssize_t n = kind_ == EndKind::Socket ? ::recv(fd(), data, size, MSG_DONTWAIT)
                                       : ::read(fd(), data, size);
  if (n < 0 && (would_block(errno) || errno == EINTR)) {
    return make_error(ErrorKind::Unavailable, "no input ready");
  }
  if (n < 0) return sys_error("read client stdin");
  return static_cast<size_t>(n);
}

}  // namespace dmc::process_tracker
