#include "journal/follower.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "journal/archive.hpp"
#include "journal/journal.hpp"

namespace dmc::journal {
namespace {

constexpr uint32_t kDirEvents = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY | IN_DELETE;

uint64_t inode_of(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') out.emplace_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

// The complete lines of fd from offset, advancing it past them.
std::string complete_lines(int fd, uint64_t& offset) {
  std::string text;
  char buf[16384];
  ssize_t n;
  while ((n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(offset + text.size()))) > 0) {
    text.append(buf, static_cast<size_t>(n));
  }
  auto end = text.find_last_of('\n');
  if (end == std::string::npos) return {};
  text.resize(end + 1);
  offset += text.size();
  return text;
}

}  // namespace

Follower::Follower(std::string depot_root, Filter filter, UniqueFd inotify)
    : root_(std::move(depot_root)),
      filter_(std::move(filter)),
      inotify_(std::move(inotify)),
      started_ns_(now_ns()) {}

Result<Follower> Follower::open(std::string depot_root, Filter filter) {
  UniqueFd inotify(::inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
  if (!inotify) return sys_error("inotify_init1");
  Follower follower(std::move(depot_root), std::move(filter), std::move(inotify));
  DMC_CHECK(follower.watch_depot());
  for (const auto& handle : entries(follower.root_)) follower.follow(handle, false);
  std::vector<Event> old;
  follower.read_new_archives(old);  // marks what is archived already as read
  return follower;
}

Result<void> Follower::watch_depot() {
  DMC_CHECK(make_dirs(archive_dir(root_), 0700));
  if (::inotify_add_watch(inotify_.get(), root_.c_str(), IN_CREATE | IN_MOVED_TO | IN_ONLYDIR) < 0 ||
      ::inotify_add_watch(inotify_.get(), archive_dir(root_).c_str(), IN_CREATE | IN_MOVED_TO) < 0) {
    return sys_error(fmt::format("watch {}", root_));
  }
  return {};
}

// A container's journal, from its start (a container new since open) or
// from its current end.
void Follower::follow(const std::string& handle, bool from_start) {
  if (!filter_.handles.empty() && !filter_.handles.contains(handle)) return;
  const auto dir = fmt::format("{}/{}", root_, handle);
  Tail tail;
  tail.watch = ::inotify_add_watch(inotify_.get(), dir.c_str(), kDirEvents | IN_ONLYDIR);
  if (tail.watch < 0) return;  // not a directory, or gone already
  tail.file.reset(::open(fmt::format("{}/{}", dir, names::kJournal).c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st;
  if (tail.file && ::fstat(tail.file.get(), &st) == 0) {
    tail.inode = st.st_ino;
    tail.offset = from_start ? 0 : static_cast<uint64_t>(st.st_size);
    seen_inodes_.insert(tail.inode);
  }
  tails_.emplace(handle, std::move(tail));
}

void Follower::look_for_containers() {
  for (const auto& handle : entries(root_)) {
    if (!tails_.contains(handle)) follow(handle, true);
  }
}

void Follower::read_tail(Tail& tail, std::vector<Event>& out) {
  if (!tail.file) return;
  struct stat st;
  if (::fstat(tail.file.get(), &st) == 0 && static_cast<uint64_t>(st.st_size) < tail.offset) {
    tail.offset = static_cast<uint64_t>(st.st_size);  // a failed append, truncated back
  }
  for (auto& e : parse_events(complete_lines(tail.file.get(), tail.offset))) {
    if (filter_.matches(e)) out.push_back(std::move(e));
  }
}

// After a rotation or an archive, the rest of the old file (the last line
// may have gone in just before the rename), then the new one from its start.
void Follower::check_renamed(const std::string& handle, Tail& tail, std::vector<Event>& out) {
  const auto dir = fmt::format("{}/{}", root_, handle);
  const auto path = fmt::format("{}/{}", dir, names::kJournal);
  const uint64_t now = inode_of(path);
  if (now == tail.inode && tail.file) return;
  read_tail(tail, out);
  tail.file.reset(now ? ::open(path.c_str(), O_RDONLY | O_CLOEXEC) : -1);
  // The dir may be a new one of the same handle: watch it (a no-op if watched).
  if (tail.file) tail.watch = ::inotify_add_watch(inotify_.get(), dir.c_str(), kDirEvents | IN_ONLYDIR);
  tail.inode = 0;
  tail.offset = 0;
  struct stat st;
  if (tail.file && ::fstat(tail.file.get(), &st) == 0) {
    tail.inode = st.st_ino;
    seen_inodes_.insert(tail.inode);
    read_tail(tail, out);
  }
}

// A container made and destroyed between two looks: its archived journal.
void Follower::read_new_archives(std::vector<Event>& out) {
  const auto dir = archive_dir(root_);
  auto names = list_archive(dir);
  if (!names) return;
  for (const auto& name : *names) {
    const auto path = fmt::format("{}/{}", dir, name.file);
    auto inode = inode_of(path);
    if (inode == 0 || !seen_inodes_.insert(inode).second) continue;
    if (!filter_.handles.empty() && !filter_.handles.contains(name.handle)) continue;
    for (const auto& part : {path + ".1", path}) {
      for (auto& e : read_events_file(part).value_or(std::vector<Event>{})) {
        if (filter_.matches(e) && e.time_ns >= started_ns_) out.push_back(std::move(e));
      }
    }
  }
}

void Follower::drain() {
  alignas(inotify_event) char buf[4096];
  while (::read(inotify_.get(), buf, sizeof buf) > 0) {
  }
}

Result<std::vector<Event>> Follower::next() {
  drain();
  look_for_containers();
  std::vector<Event> out;
  for (auto it = tails_.begin(); it != tails_.end();) {
    read_tail(it->second, out);
    check_renamed(it->first, it->second, out);
    bool gone = !it->second.file && !path_exists(fmt::format("{}/{}", root_, it->first));
    it = gone ? tails_.erase(it) : std::next(it);
  }
  read_new_archives(out);
  std::stable_sort(out.begin(), out.end(),
                   [](const Event& a, const Event& b) { return a.time_ns < b.time_ns; });
  return out;
}

}  // namespace dmc::journal
