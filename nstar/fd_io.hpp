// Reading and writing the helper's stdin and stdout, which may be
// non-blocking (a caller on libuv hands over its own descriptions, and the
// flag is shared, so we may not clear it): EAGAIN waits in poll, EINTR
// retries.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>

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
  size_t size;  // of a read block
  // Not zeroed: a page is touched only once a read fills it.
  std::unique_ptr<char[]> buffer = std::make_unique_for_overwrite<char[]>(size);
};

// The output of a libarchive writer that hands everything over unblocked
// (bytes_per_block 0): small pieces (headers, small files, padding) are
// gathered into writes of up to kGatherSize; a piece at least that large is
// written as it is, without a copy.
class Gatherer {
 public:
  // Small enough that its pages, each a fault when first touched, cost
  // little (the faults of 1 MiB took 4 ms on our test VM), large enough for
  // few writes.
  static constexpr size_t kGatherSize = 256 << 10;

  explicit Gatherer(int fd);
  // Both return false, with errno set, when a write fails.
  bool write(const void* data, size_t size);
  bool flush();

 private:
  int fd_;
  // Not zeroed: a page is touched only once something is written into it.
  std::unique_ptr<char[]> buffer_;
  size_t used_ = 0;
};

// libarchive over such fds.
int open_archive_reader(archive* a, FdSource& source);
int open_archive_writer(archive* a, Gatherer& out);

}  // namespace dmc::nstar
