// Reading and writing the helper's stdin and stdout, which may be
// non-blocking (a caller on libuv hands over its own descriptions, and the
// flag is shared, so we may not clear it): EAGAIN waits in poll, EINTR
// retries.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

struct archive;

namespace dmc::nstar {

// Like read(2), but never fails with EAGAIN or EINTR: > 0, 0 at EOF, or -1.
ssize_t read_some(int fd, void* buffer, size_t size);
// Writes everything, or returns false with errno set.
bool write_all(int fd, const void* data, size_t size);

// Where a libarchive reader gets its blocks; owned by the caller and kept
// alive until the archive is freed.
struct FdSource {
  int fd;
  std::vector<char> buffer;  // its size is the read block size
};

// libarchive over such fds.
int open_archive_reader(archive* a, FdSource& source);
int open_archive_writer(archive* a, int fd);

}  // namespace dmc::nstar
