#include "journal/replay.hpp"

#include <dirent.h>

#include <algorithm>

#include "common/fs.hpp"
#include "journal/archive.hpp"
#include "journal/journal.hpp"

namespace dmc::journal {
namespace {

bool wanted(const Filter& filter, const std::string& handle) {
  return filter.handles.empty() || filter.handles.contains(handle);
}

Result<std::vector<std::string>> live_handles(const std::string& root) {
  std::vector<std::string> out;
  DIR* d = ::opendir(root.c_str());
  if (!d && errno == ENOENT) return out;
  if (!d) return sys_error(fmt::format("open {}", root));
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

void take(std::vector<Event>& into, std::vector<Event> events, const Filter& filter) {
  for (auto& e : events) {
    if (filter.matches(e)) into.push_back(std::move(e));
  }
}

Result<void> read_live(const std::string& root, const Filter& filter, std::vector<Event>& out) {
  DMC_TRY(handles, live_handles(root));
  for (const auto& handle : handles) {
    if (!wanted(filter, handle)) continue;
    auto events = Journal(fmt::format("{}/{}", root, handle)).read();
    if (!events && events.error().kind == ErrorKind::NotFound) continue;  // none, or archived
    if (!events) return events.error();
    take(out, std::move(*events), filter);
  }
  return {};
}

Result<void> read_archived(const std::string& root, const Filter& filter,
                           std::vector<Event>& out) {
  const auto dir = archive_dir(root);
  DMC_TRY(names, list_archive(dir));
  for (const auto& name : names) {
    if (!wanted(filter, name.handle)) continue;
    const auto path = fmt::format("{}/{}", dir, name.file);
    DMC_TRY(older, read_events_file(path + ".1"));
    DMC_TRY(newer, read_events_file(path));
    take(out, std::move(older), filter);
    take(out, std::move(newer), filter);
  }
  return {};
}

}  // namespace

bool Filter::matches(const Event& event) const {
  if (since_ns && event.time_ns < *since_ns) return false;
  if (until_ns && event.time_ns > *until_ns) return false;
  return wanted(*this, event.handle);
}

// Live journals first, then the archive: a journal archived in between is
// read twice (and each line kept once), never missed.
Result<std::vector<Event>> replay(const std::string& depot_root, const Filter& filter) {
  std::vector<Event> events;
  DMC_CHECK(read_live(depot_root, filter, events));
  DMC_CHECK(read_archived(depot_root, filter, events));
  std::stable_sort(events.begin(), events.end(),
                   [](const Event& a, const Event& b) { return a.time_ns < b.time_ns; });
  std::vector<Event> once;
  for (auto& e : events) {
    bool seen = false;
    for (auto o = once.rbegin(); o != once.rend() && o->time_ns == e.time_ns; ++o) {
      seen = seen || o->line == e.line;
    }
    if (!seen) once.push_back(std::move(e));
  }
  return once;
}

bool known(const std::string& depot_root, const std::string& handle) {
  if (path_exists(fmt::format("{}/{}", depot_root, handle))) return true;
  auto names = list_archive(archive_dir(depot_root));
  return names && std::any_of(names->begin(), names->end(),
                              [&](const ArchivedName& n) { return n.handle == handle; });
}

}  // namespace dmc::journal
