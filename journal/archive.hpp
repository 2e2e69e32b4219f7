// Destroyed containers' journals, kept in <depot>/.events/ (journal.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"

namespace dmc::journal {

// The bounds of the archive, applied each time a journal is archived.
inline constexpr size_t kArchiveKeep = 1000;
inline constexpr std::chrono::nanoseconds kArchiveMaxAge = std::chrono::hours(24);

struct ArchivedName {
  std::string file;    // "<created_ns>-<handle>.log", in the archive dir
  std::string handle;
};

// <depot_root>/.events
std::string archive_dir(const std::string& depot_root);
// The archived journals in dir (none when it does not exist).
Result<std::vector<ArchivedName>> list_archive(const std::string& dir);
// Removes all but the `keep` newest journals (by their last append), and
// those whose last append is older than max_age at now (ns since the epoch).
Result<void> prune_archive(const std::string& dir, int64_t now, size_t keep,
                           std::chrono::nanoseconds max_age);

}  // namespace dmc::journal
