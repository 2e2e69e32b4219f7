// Small filesystem helpers shared by the parts that keep state on disk.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc {

// Writes a temp file next to path and renames it over path: readers, and a
// dmc killed half way, see the old content or the new, never a mix.
// There is no fsync: the files describe live containers, which a host crash
// ends anyway, and every reader treats a damaged file as an error that still
// lets the container be destroyed. (An fsync pair costs up to 8 ms on a busy
// disk and would be on every create and every run.)
Result<void> atomic_write_file(const std::string& path, std::string_view content,
                               mode_t mode = 0644);

Result<std::string> read_file(const std::string& path);
// All of data into fd, waiting while a non-blocking fd is full.
Result<void> write_all(int fd, std::string_view data);
// "/a/b/c" -> "/a/b"; "c" -> "."; "/c" -> "/".
std::string parent_of(const std::string& path);
// Reads fd to its end.
Result<std::string> read_fd(int fd);
// A pipe, both ends O_CLOEXEC: {read end, write end}.
Result<std::pair<UniqueFd, UniqueFd>> open_pipe();

// mkdir -p; existing directories are fine.
Result<void> make_dirs(const std::string& path, mode_t mode = 0755);

// rm -rf that never follows symlinks and never crosses into another
// filesystem: a mount left under path is an error, not something to empty.
// A missing path is success.
Result<void> remove_tree(const std::string& path);

bool path_exists(const std::string& path);

}  // namespace dmc
