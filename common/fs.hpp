// Small filesystem helpers shared by the parts that keep state on disk.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "common/result.hpp"

namespace dmc {

// Writes a temp file next to path, fsyncs it, renames it over path, fsyncs
// the directory: readers see the old content or the new, never a mix.
Result<void> atomic_write_file(const std::string& path, std::string_view content,
                               mode_t mode = 0644);

Result<std::string> read_file(const std::string& path);

// mkdir -p; existing directories are fine.
Result<void> make_dirs(const std::string& path, mode_t mode = 0755);

// rm -rf that never follows symlinks and never crosses into another
// filesystem: a mount left under path is an error, not something to empty.
// A missing path is success.
Result<void> remove_tree(const std::string& path);

bool path_exists(const std::string& path);

// fsync a directory so that renames and creations in it are durable.
Result<void> sync_dir(const std::string& path);

}  // namespace dmc
