// The helper's StreamIn: a tar stream extracted into a directory.
#pragma once

#include <functional>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::nstar {

// Extracts the tar stream on in_fd into the directory open_destination
// opens (and may make), with modes, times and extended attributes; files
// belong to whoever we are (the archive's owners are not restored).
// Refuses, and stops at, any entry that would land or link outside it
// (absolute names, "..", writing through a symlink, a hard link out), and
// device nodes. A truncated or corrupt stream fails. A stream of zero bytes
// fails ("empty tar stream") before open_destination is called: it changes
// nothing.
Result<void> extract(int in_fd, const std::function<Result<UniqueFd>()>& open_destination);

// Reads fd to its end, discarding: whoever feeds a stream we stopped
// reading never gets EPIPE.
void drain(int fd);

}  // namespace dmc::nstar
