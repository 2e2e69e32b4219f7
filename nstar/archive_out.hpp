// The helper's StreamOut: a tar stream of a path.
#pragma once

#include <string>

#include "common/result.hpp"

namespace dmc::nstar {

// Writes a pax tar stream of `name` inside dir_fd to out_fd: the entry
// itself ("name/", "name/file"), or for "." the directory's contents ("./",
// "./file"). Modes, times, symlinks, hard links and extended attributes are
// kept; symlinks are never followed. `shown` names the source in messages.
// The source is looked up and opened before any byte is written, so a
// missing or unreadable source writes nothing; a later failure stops the
// stream short, without an end-of-archive marker.
Result<void> write_archive(int dir_fd, const std::string& name, const std::string& shown,
                           int out_fd);

}  // namespace dmc::nstar
