// A record seen without its shim: its lock, proven pids, spool state, and
// the pruning of delivered records.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "io_helpers.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/record.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::test;
namespace pt = dmc::process_tracker;
namespace names = dmc::process_tracker::names;

namespace {

// A record dir with a lock file, delivered (its marker aged by `age_s`) or not.
std::string make_record(const TempDir& processes, const std::string& name, bool delivered,
                        int age_s = 0) {
  const std::string dir = processes / name;
  REQUIRE(make_dirs(dir));
  write_text(dir + "/" + std::string(names::kLock), "");
  if (delivered) {
    const std::string marker = dir + "/" + std::string(names::kDelivered);
    write_text(marker, "");
    timespec times[2] = {{::time(nullptr) - age_s, 0}, {::time(nullptr) - age_s, 0}};
    REQUIRE(::utimensat(AT_FDCWD, marker.c_str(), times, 0) == 0);
  }
  return dir;
}

void age(const std::string& path, int seconds) {
  timespec times[2] = {{::time(nullptr) - seconds, 0}, {::time(nullptr) - seconds, 0}};
  REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

}  // namespace

TEST_CASE("a record is owned exactly while someone holds its lock") {
  TempDir processes;
  const std::string dir = make_record(processes, "p", false);
  CHECK_FALSE(pt::owned(dir));
  UniqueFd lock = pt::open_lock(dir, false);
  REQUIRE(lock);
  REQUIRE(::flock(lock.get(), LOCK_EX) == 0);
  CHECK(pt::owned(dir));
  lock.reset();
  CHECK_FALSE(pt::owned(dir));
  CHECK_FALSE(pt::owned(processes / "never-locked"));
}

TEST_CASE("a pid is proven by its start time, and a wrong one proves nothing") {
  auto start = pt::start_time(::getpid());
  REQUIRE(start);
  CHECK(pt::proven_pidfd(::getpid(), *start).valid());
  CHECK_FALSE(pt::proven_pidfd(::getpid(), *start + 1).valid());
  CHECK_FALSE(pt::proven_pidfd(0, *start).valid());
}

TEST_CASE("a missing or malformed spool state says nothing was delivered") {
  TempDir dir;
  CHECK(pt::read_state(dir / "none").delivered == 0);
  write_text(dir / "bad", "12 x\n");
  CHECK(pt::read_state(dir / "bad").base == 0);
  write_text(dir / "good", pt::state_line({7, 19}));
  CHECK(pt::read_state(dir / "good").base == 7);
  CHECK(pt::read_state(dir / "good").delivered == 19);
  CHECK(pt::state_line({7, 19}).size() == 42);  // fixed width: rewritten in place
}

TEST_CASE("pruning keeps the newest delivered records, every undelivered one and every owned one") {
  TempDir processes;
  for (int i = 0; i < 5; ++i) make_record(processes, "d" + std::to_string(i), true, 100 - i);
  make_record(processes, "undelivered", false);
  const std::string held = make_record(processes, "held", true, 1000);  // the oldest, but owned
  UniqueFd lock = pt::open_lock(held, false);
  REQUIRE(::flock(lock.get(), LOCK_EX) == 0);

  pt::prune_records(processes.path(), 2);
  CHECK_FALSE(exists(processes / "d0"));
  CHECK_FALSE(exists(processes / "d1"));
  CHECK_FALSE(exists(processes / "d2"));
  CHECK(exists(processes / "d3"));
  CHECK(exists(processes / "d4"));
  CHECK(exists(processes / "undelivered"));
  CHECK(exists(held));
}

TEST_CASE("pruning removes what a cut-short run left once it is a minute old") {
  TempDir processes;
  const std::string old_leftover = processes / (std::string(names::kNewPrefix) + "a-1234");
  const std::string fresh = processes / (std::string(names::kNewPrefix) + "b-5678");
  REQUIRE(make_dirs(old_leftover));
  REQUIRE(make_dirs(fresh));
  age(old_leftover, 120);
  pt::prune_records(processes.path(), 100);
  CHECK_FALSE(exists(old_leftover));
  CHECK(exists(fresh));  // maybe a run making it right now
}
