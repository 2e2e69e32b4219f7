// A record whose shim is gone (private to process_tracker): what it spooled
// and nobody received, its exit status or the plain fact that it is lost,
// and its process, reached through a proven pid.
#pragma once

#include <string>

#include "common/result.hpp"
#include "process_tracker/attachment.hpp"

namespace dmc::process_tracker {

// Writes the undelivered spooled output into the fds given (blocking until
// it is written), then: the exit status, or ProcessLost. Unavailable while
// another attach (or a new owner) holds the record.
Result<int> attach_orphan(const std::string& dir, const std::string& id, const StreamFds& fds);
Result<void> signal_orphan(const std::string& dir, const std::string& id, int signal);

}  // namespace dmc::process_tracker
