// Following a depot's journals: the events recorded from now on, as they
// are appended, without polling the disk. One inotify fd watches the depot
// root (new containers), each container's dir (its events.log written,
// rotated or archived) and the archive dir (a container made and destroyed
// between two looks); the caller polls fd() (a libuv uv_poll, or poll(2))
// and calls next() when it is readable.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "journal/event.hpp"
#include "journal/replay.hpp"

namespace dmc::journal {

class Follower {
 public:
  // Starts following the journals of the depot at depot_root, at their
  // current ends; events that filter does not match are never returned.
  static Result<Follower> open(std::string depot_root, Filter filter);

  // Readable when next() may have news.
  [[nodiscard]] int fd() const { return inotify_.get(); }
  // The events appended since the last call (or open), in each journal's
  // order; drains fd(). Complete lines only.
  Result<std::vector<Event>> next();

 private:
  struct Tail {
    UniqueFd file;       // the journal followed; kept across its renames
    uint64_t offset = 0; // where the next unread line starts
    uint64_t inode = 0;
    int watch = -1;      // the container dir's
  };

  Follower(std::string depot_root, Filter filter, UniqueFd inotify);
  Result<void> watch_depot();
  void look_for_containers();
  void follow(const std::string& handle, bool from_start);
  void read_tail(Tail& tail, std::vector<Event>& out);
  void check_renamed(const std::string& handle, Tail& tail, std::vector<Event>& out);
  void read_new_archives(std::vector<Event>& out);
  void drain();

  std::string root_;
  Filter filter_;
  UniqueFd inotify_;
  std::map<std::string, Tail> tails_;  // by handle
  std::set<uint64_t> seen_inodes_;     // journals already followed or read
  int64_t started_ns_ = 0;
};

}  // namespace dmc::journal
