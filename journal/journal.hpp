// A container's event journal, and what a writer or reader does with it.
//
//   <depot>/<handle>/events.log      the live journal: one event a line (event.hpp)
//   <depot>/<handle>/events.1.log    the older part, once events.log passed 1 MiB
//   <depot>/.events/<created_ns>-<handle>.log    a destroyed container's journal
//   <depot>/.events/<created_ns>-<handle>.log.1  and its older part, if any
//
// Every append is one write() of the whole line on an O_APPEND|O_CLOEXEC fd
// while this process holds an flock() on events.log, so the lines of the
// CLI, dmcd and the shims never interleave, and a check-then-append under
// Locked is atomic. There is no fsync (like the depot's files): a line costs
// an open, a flock, a write and a close. A failed or short write is
// truncated back, so a reader never sees a torn line; a line without its
// '\n' (a disk that filled up under a killed writer) is never shown, and the
// next append cuts it off first.
//
// Only the first append (the container's `create`) makes events.log; any
// other append to a journal that is gone (archived by a destroy) is
// NotFound, and makes nothing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "journal/event.hpp"

namespace dmc::journal {

namespace names {
inline constexpr std::string_view kJournal = "events.log";
inline constexpr std::string_view kRotated = "events.1.log";
inline constexpr std::string_view kArchiveDir = ".events";
inline constexpr std::string_view kArchiveSuffix = ".log";
inline constexpr std::string_view kArchiveRotatedSuffix = ".log.1";
}  // namespace names

// events.log is renamed to events.1.log (replacing the older one) when an
// append takes it past this size.
inline constexpr uint64_t kRotateBytes = 1u << 20;

enum class Create { No, Yes };

// The journal of the container whose depot directory is container_dir; its
// handle is the directory's name.
class Journal {
 public:
  explicit Journal(std::string container_dir);

  // The journal, locked by this process until the Locked is destroyed.
  // NotFound when there is no events.log (never made, or archived), unless
  // create is Yes.
  class Locked;
  Result<Locked> lock(Create create = Create::No) const;
  // lock(), append one event stamped now, unlock.
  Result<void> append(std::string_view type, const Fields& fields = {},
                      Create create = Create::No) const;
  // Every complete event recorded, oldest first (locks while it reads).
  Result<std::vector<Event>> read() const;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& handle() const { return handle_; }
  [[nodiscard]] std::string path() const;
  [[nodiscard]] std::string rotated_path() const;

 private:
  std::string dir_;
  std::string handle_;
};

class Journal::Locked {
 public:
  Locked(const Journal& journal, UniqueFd fd) : journal_(&journal), fd_(std::move(fd)) {}

  // Appends one event stamped now (the time is taken under the lock, so a
  // journal's lines are in time order); rotates past kRotateBytes.
  Result<void> append(std::string_view type, const Fields& fields = {});
  Result<std::vector<Event>> read() const;
  // Only the events of these types: the others are not parsed (a check
  // before an append reads the whole journal, up to 2 MiB).
  Result<std::vector<Event>> read(const std::vector<std::string_view>& types) const;
  // Moves the journal into <depot>/.events/ as a destroyed container's, named
  // by its create time; then prunes the archive (archive.cpp).
  Result<void> archive(int64_t created_ns);
  // Removes the journal (a create rolled back before it recorded anything).
  Result<void> remove();

 private:
  Result<void> cut_torn_tail(uint64_t size);
  Result<void> rotate();

  const Journal* journal_;
  UniqueFd fd_;
};

// The complete events of one journal file (no lock taken); a missing file
// has none. Lines that are not events are skipped.
Result<std::vector<Event>> read_events_file(const std::string& path,
                                            const std::vector<std::string_view>& types = {});
// The events of text: complete lines only; of the types given, if any.
std::vector<Event> parse_events(std::string_view text,
                                const std::vector<std::string_view>& types = {});

}  // namespace dmc::journal
