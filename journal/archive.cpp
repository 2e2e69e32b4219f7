// The archive of destroyed containers' journals: <depot>/.events/, whose
// name the depot skips (it starts with '.'). Bounded: kept are the newest
// kArchiveKeep journals, none older than kArchiveMaxAge.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "journal/archive.hpp"
#include "journal/journal.hpp"

namespace dmc::journal {
namespace {

struct Archived {
  std::string path;  // the .log file
  int64_t mtime_ns = 0;
};

bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

Result<std::vector<Archived>> archived_journals(const std::string& dir) {
  std::vector<Archived> out;
  DMC_TRY(names, list_archive(dir));
  for (const auto& name : names) {
    struct stat st;
    auto path = fmt::format("{}/{}", dir, name.file);
    if (::stat(path.c_str(), &st) < 0) continue;  // pruned by another meanwhile
    out.push_back({path, int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec});
  }
  return out;
}

void remove_archived(const std::string& path) {
  ::unlink((path + ".1").c_str());
  ::unlink(path.c_str());
}

// "<digits>-<handle>.log"
std::optional<ArchivedName> parse_name(const std::string& file) {
  if (!ends_with(file, names::kArchiveSuffix)) return std::nullopt;
  auto dash = file.find('-');
  if (dash == 0 || dash == std::string::npos) return std::nullopt;
  if (!std::all_of(file.begin(), file.begin() + static_cast<long>(dash), ::isdigit)) {
    return std::nullopt;
  }
  auto handle = file.substr(dash + 1, file.size() - dash - 1 - names::kArchiveSuffix.size());
  if (handle.empty()) return std::nullopt;
  return ArchivedName{.file = file, .handle = handle};
}

}  // namespace

std::string archive_dir(const std::string& depot_root) {
  return fmt::format("{}/{}", depot_root, names::kArchiveDir);
}

Result<std::vector<ArchivedName>> list_archive(const std::string& dir) {
  std::vector<ArchivedName> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d && errno == ENOENT) return out;
  if (!d) return sys_error(fmt::format("open {}", dir));
  while (dirent* e = ::readdir(d)) {
    if (auto name = parse_name(e->d_name)) out.push_back(std::move(*name));
  }
  ::closedir(d);
  return out;
}

Result<void> prune_archive(const std::string& dir, int64_t now, size_t keep,
                           std::chrono::nanoseconds max_age) {
  DMC_TRY(all, archived_journals(dir));
  std::sort(all.begin(), all.end(),
            [](const Archived& a, const Archived& b) { return a.mtime_ns > b.mtime_ns; });
  for (size_t i = 0; i < all.size(); ++i) {
    if (i >= keep || now - all[i].mtime_ns > max_age.count()) remove_archived(all[i].path);
  }
  return {};
}

// Under the lock: the older part first, then events.log itself, which is
// the rename that takes the journal away from its container.
Result<void> Journal::Locked::archive(int64_t created_ns) {
  const auto root = parent_of(journal_->dir());
  const auto dir = archive_dir(root);
  DMC_CHECK(make_dirs(dir, 0700));
  const auto target = fmt::format("{}/{}-{}{}", dir, created_ns, journal_->handle(),
                                  names::kArchiveSuffix);
  if (::rename(journal_->rotated_path().c_str(), (target + ".1").c_str()) < 0 &&
      errno != ENOENT) {
    return sys_error("archive journal");
  }
  if (::rename(journal_->path().c_str(), target.c_str()) < 0) {
    return sys_error("archive journal");
  }
  return prune_archive(dir, now_ns(), kArchiveKeep, kArchiveMaxAge);
}

}  // namespace dmc::journal
