#include "nstar/fd_io.hpp"

#include <archive.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace dmc::nstar {
namespace {

bool wait_for(int fd, short events) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, -1);
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

la_ssize_t read_block(archive* a, void* data, const void** block) {
  auto* source = static_cast<FdSource*>(data);
  ssize_t n = read_some(source->fd, source->buffer.data(), source->buffer.size());
  if (n < 0) {
    archive_set_error(a, errno, "read error");
    return -1;
  }
  *block = source->buffer.data();
  return n;
}

la_ssize_t write_block(archive* a, void* data, const void* block, size_t size) {
  int fd = static_cast<int>(reinterpret_cast<intptr_t>(data));
  if (!write_all(fd, block, size)) {
    archive_set_error(a, errno, "write error");
    return -1;
  }
  return static_cast<la_ssize_t>(size);
}

}  // namespace

ssize_t read_some(int fd, void* buffer, size_t size) {
  for (;;) {
    ssize_t n = ::read(fd, buffer, size);
    if (n >= 0) return n;
    if (errno == EINTR) continue;
    if (errno != EAGAIN || !wait_for(fd, POLLIN)) return -1;
  }
}

bool write_all(int fd, const void* data, size_t size) {
  auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN && wait_for(fd, POLLOUT)) continue;
    if (n < 0) return false;
    bytes += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int open_archive_reader(archive* a, FdSource& source) {
  return archive_read_open(a, &source, nullptr, read_block, nullptr);
}

int open_archive_writer(archive* a, int fd) {
  return archive_write_open(a, reinterpret_cast<void*>(static_cast<intptr_t>(fd)), nullptr,
                            write_block, nullptr);
}

}  // namespace dmc::nstar
