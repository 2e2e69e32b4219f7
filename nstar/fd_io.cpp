#include "nstar/fd_io.hpp"

#include <archive.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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
  ssize_t n = read_some(source->fd, source->buffer.get(), source->size);
  if (n < 0) {
    archive_set_error(a, errno, "read error");
    return -1;
  }
  *block = source->buffer.get();
  return n;
}

la_ssize_t write_block(archive* a, void* data, const void* block, size_t size) {
  if (!static_cast<Gatherer*>(data)->write(block, size)) {
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

Gatherer::Gatherer(int fd)
    : fd_(fd), buffer_(std::make_unique_for_overwrite<char[]>(kGatherSize)) {}

bool Gatherer::write(const void* data, size_t size) {
  if (used_ + size > kGatherSize && !flush()) return false;
  if (size >= kGatherSize) return write_all(fd_, data, size);
  std::memcpy(buffer_.get() + used_, data, size);
  used_ += size;
  return true;
}

bool Gatherer::flush() {
  if (used_ == 0) return true;
  if (!write_all(fd_, buffer_.get(), used_)) return false;
  used_ = 0;
  return true;
}

int open_archive_reader(archive* a, FdSource& source) {
  return archive_read_open(a, &source, nullptr, read_block, nullptr);
}

int open_archive_writer(archive* a, Gatherer& out) {
  return archive_write_open(a, &out, nullptr, write_block, nullptr);
}

}  // namespace dmc::nstar
