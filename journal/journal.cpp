#include "journal/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/clock.hpp"
#include "common/fs.hpp"

namespace dmc::journal {
namespace {

std::string base_name(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Result<void> flock_exclusive(int fd) {
  while (::flock(fd, LOCK_EX) < 0) {
    if (errno != EINTR) return sys_error("lock journal");
  }
  return {};
}

// The whole file, from its start, whatever the fd's offset.
Result<std::string> read_whole(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read journal");
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

bool same_file(int fd, const std::string& path) {
  struct stat held, named;
  if (::fstat(fd, &held) < 0 || ::stat(path.c_str(), &named) < 0) return false;
  return held.st_ino == named.st_ino && held.st_dev == named.st_dev;
}

}  // namespace

Journal::Journal(std::string container_dir)
    : dir_(std::move(container_dir)), handle_(base_name(dir_)) {}

std::string Journal::path() const { return fmt::format("{}/{}", dir_, names::kJournal); }
std::string Journal::rotated_path() const { return fmt::format("{}/{}", dir_, names::kRotated); }

// The lock is on events.log itself. A rotation or an archive renames the
// file under it, so once locked, the fd must still be the file the path
// names: if not, the holder rotated it (open the new one) or archived it.
Result<Journal::Locked> Journal::lock(Create create) const {
  const auto file = path();
  const int flags = O_RDWR | O_APPEND | O_CLOEXEC | (create == Create::Yes ? O_CREAT : 0);
  for (;;) {
    UniqueFd fd(::open(file.c_str(), flags, 0600));
    if (!fd && errno == ENOENT) {
      return make_error(ErrorKind::NotFound, "journal of {}: none", handle_);
    }
    if (!fd) return sys_error(fmt::format("open {}", file));
    DMC_CHECK(flock_exclusive(fd.get()));
    if (same_file(fd.get(), file)) return Locked(*this, std::move(fd));
  }
}

Result<void> Journal::append(std::string_view type, const Fields& fields, Create create) const {
  DMC_TRY(locked, lock(create));
  return locked.append(type, fields);
}

Result<std::vector<Event>> Journal::read() const {
  DMC_TRY(locked, lock());
  return locked.read();
}

Result<void> Journal::Locked::append(std::string_view type, const Fields& fields) {
  struct stat st;
  if (::fstat(fd_.get(), &st) < 0) return sys_error("journal");
  auto size = static_cast<uint64_t>(st.st_size);
  if (size > 0) {
    DMC_CHECK(cut_torn_tail(size));
    if (::fstat(fd_.get(), &st) < 0) return sys_error("journal");
    size = static_cast<uint64_t>(st.st_size);
  }
  const auto line = format_line(now_ns(), journal_->handle(), type, fields);
  ssize_t n = ::write(fd_.get(), line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    int err = n < 0 ? errno : ENOSPC;  // a short write to a file: the disk is full
    (void)!::ftruncate(fd_.get(), static_cast<off_t>(size));
    return sys_error(fmt::format("journal of {}: append {}", journal_->handle(), type), err);
  }
  if (size + line.size() > kRotateBytes) return rotate();
  return {};
}

// A tail without its '\n' (a writer killed while the disk was full, say) is
// cut off, so that the next line starts on a line of its own.
Result<void> Journal::Locked::cut_torn_tail(uint64_t size) {
  char last = '\n';
  if (::pread(fd_.get(), &last, 1, static_cast<off_t>(size - 1)) != 1) {
    return sys_error("read journal");
  }
  if (last == '\n') return {};
  DMC_TRY(text, read_whole(fd_.get()));
  auto end = text.find_last_of('\n');
  off_t keep = end == std::string::npos ? 0 : static_cast<off_t>(end + 1);
  if (::ftruncate(fd_.get(), keep) < 0) return sys_error("cut journal's torn tail");
  return {};
}

// events.log -> events.1.log, and a new empty events.log, each step a
// rename, so that the path always names a journal. A reader that finds
// both names on one file (a rotation killed half way) reads it once.
Result<void> Journal::Locked::rotate() {
  const auto dir = journal_->dir();
  const auto old_link = fmt::format("{}/.{}.tmp", dir, names::kRotated);
  const auto fresh = fmt::format("{}/.{}.tmp", dir, names::kJournal);
  ::unlink(old_link.c_str());
  if (::link(journal_->path().c_str(), old_link.c_str()) < 0) return sys_error("rotate journal");
  if (::rename(old_link.c_str(), journal_->rotated_path().c_str()) < 0) {
    return sys_error("rotate journal");
  }
  UniqueFd made(::open(fresh.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!made) return sys_error("rotate journal");
  if (::rename(fresh.c_str(), journal_->path().c_str()) < 0) return sys_error("rotate journal");
  return {};
}

Result<std::vector<Event>> Journal::Locked::read() const { return read({}); }

Result<std::vector<Event>> Journal::Locked::read(const std::vector<std::string_view>& types) const {
  std::vector<Event> events;
  struct stat rotated, live;
  bool one_file = ::stat(journal_->rotated_path().c_str(), &rotated) == 0 &&
                  ::fstat(fd_.get(), &live) == 0 && rotated.st_ino == live.st_ino;
  if (!one_file) {
    DMC_TRY(older, read_events_file(journal_->rotated_path(), types));
    events = std::move(older);
  }
  DMC_TRY(text, read_whole(fd_.get()));
  for (auto& e : parse_events(text, types)) events.push_back(std::move(e));
  return events;
}

Result<void> Journal::Locked::remove() {
  ::unlink(journal_->rotated_path().c_str());
  if (::unlink(journal_->path().c_str()) < 0 && errno != ENOENT) {
    return sys_error("remove journal");
  }
  return {};
}

Result<std::vector<Event>> read_events_file(const std::string& path,
                                            const std::vector<std::string_view>& types) {
  auto text = read_file(path);
  if (!text && text.error().err == ENOENT) return std::vector<Event>{};
  if (!text) return text.error();
  return parse_events(*text, types);
}

// A line of one of the types (or any, when none is given), judged by its
// text: a string value holds no unescaped '"', so `"type":"exit"` is the
// type member only; parse_line confirms it.
std::vector<Event> parse_events(std::string_view text, const std::vector<std::string_view>& types) {
  std::vector<std::string> needles;
  for (auto type : types) needles.push_back(fmt::format("\"type\":\"{}\"", type));
  auto wanted = [&](std::string_view line) {
    return needles.empty() || std::any_of(needles.begin(), needles.end(), [&](const auto& n) {
             return line.find(n) != std::string_view::npos;
           });
  };
  std::vector<Event> events;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string_view::npos; start = end + 1) {
    auto line = text.substr(start, end - start);
    if (!wanted(line)) continue;
    auto event = parse_line(line);
    if (event && (types.empty() || std::find(types.begin(), types.end(), event->type) != types.end())) {
      events.push_back(std::move(*event));
    }
  }
  return events;
}

}  // namespace dmc::journal
