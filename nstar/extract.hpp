// The helper's StreamIn: a tar stream extracted into a directory.
#pragma once

#include "common/result.hpp"

namespace dmc::nstar {

// Extracts the tar stream on in_fd into dir_fd, with modes, times and
// extended attributes; files belong to whoever we are (the archive's owners
// are not restored). Refuses, and stops at, any entry that would land or
// link outside dir_fd (absolute names, "..", writing through a symlink, a
// hard link out), and device nodes. A truncated or corrupt stream fails.
Result<void> extract(int dir_fd, int in_fd);

// Reads fd to its end, discarding: whoever feeds a stream we stopped
// reading never gets EPIPE.
void drain(int fd);

}  // namespace dmc::nstar
