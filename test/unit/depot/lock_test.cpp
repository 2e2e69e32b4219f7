#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <doctest/doctest.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "depot/depot.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::depot::Depot;
using dmc::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A depot holding one finished container, "web-1", whose lock is free.
struct Fixture {
  TempDir tmp;
  Depot depot{tmp / "depot"};
  std::string dir = depot.dir("web-1");
  Fixture() {
    REQUIRE(depot.init());
    REQUIRE(depot.create("web-1", {"{}", "{}", {}}));
    REQUIRE(depot.write_state("web-1", {}));
  }
};

// True once process pid has path open; false after ~10 s.
bool wait_until_open(pid_t pid, const std::string& path) {
  const auto fd_dir = "/proc/" + std::to_string(pid) + "/fd";
  for (int tries = 0; tries < 10000; ++tries) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(fd_dir, ec)) {
      if (fs::read_symlink(entry.path(), ec) == path) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// Forks a child that locks dir, writes 'L' to the pipe, waits until this
// process has dir open (so that it is in lock()), then runs `then` and
// exits, which releases the lock. The child is killed if the test ends first.
template <class Then>
Child hold_lock_in_child(const std::string& dir, int pipe_w, Then then) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid != 0) return Child(pid);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::flock(fd, LOCK_EX) < 0) ::_exit(10);
  if (::write(pipe_w, "L", 1) != 1) ::_exit(11);
  if (!wait_until_open(parent, dir)) ::_exit(12);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  ::_exit(then());
}

char read_byte(int fd) {
  char c = 0;
  return ::read(fd, &c, 1) == 1 ? c : 0;
}

bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 1;
}

int exit_code(Child& child) {
  auto exit = child.wait();
  return exit && !exit->signaled ? exit->code : -1;
}

struct Pipe {
  UniqueFd r, w;
  Pipe() {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    r.reset(fds[0]);
    w.reset(fds[1]);
  }
};

}  // namespace

TEST_CASE("lock and try_lock of a missing container are NotFound with Garden's text") {
  Fixture f;
  for (bool wait : {true, false}) {
    CAPTURE(wait);
    auto result = wait ? f.depot.lock("nope") : f.depot.try_lock("nope");
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::ContainerNotFound);
    CHECK(result.error().message == "unknown handle: nope");
  }
}

TEST_CASE("try_lock of a held container is Unavailable, and succeeds once released") {
  Fixture f;
  auto held = f.depot.lock("web-1");
  REQUIRE(held);
  CHECK(held->held());
  auto busy = f.depot.try_lock("web-1");
  REQUIRE_FALSE(busy);
  CHECK(busy.error().kind == ErrorKind::Unavailable);
  CHECK(busy.error().message == "container 'web-1' is busy");
  *held = depot::ContainerLock();
  auto free = f.depot.try_lock("web-1");
  REQUIRE(free);
  CHECK(free->held());
}

TEST_CASE("the lock from create is held on the renamed directory") {
  TempDir tmp;
  Depot depot(tmp / "depot");
  REQUIRE(depot.init());
  auto created = depot.create("web-1", {"{}", "{}", {}});
  REQUIRE(created);
  auto busy = depot.try_lock("web-1");
  REQUIRE_FALSE(busy);
  CHECK(busy.error().kind == ErrorKind::Unavailable);
}

TEST_CASE("lock waits until the holder releases the lock") {
  Fixture f;
  Pipe pipe;
  const int w = pipe.w.get();
  Child child = hold_lock_in_child(f.dir, w, [w] {
    return ::write(w, "R", 1) == 1 ? 0 : 13;  // then exit: the lock is released
  });
  pipe.w.reset();
  REQUIRE(read_byte(pipe.r.get()) == 'L');
  CHECK_FALSE(f.depot.try_lock("web-1"));
  auto lock = f.depot.lock("web-1");
  REQUIRE(lock);
  CHECK(lock->held());
  CHECK(readable_now(pipe.r.get()));  // the child said 'R' before releasing
  CHECK(read_byte(pipe.r.get()) == 'R');
  CHECK(exit_code(child) == 0);
}

TEST_CASE("lock acquired after the container was removed is NotFound") {
  Fixture f;
  Pipe pipe;
  const std::string dir = f.dir;
  Child child = hold_lock_in_child(dir, pipe.w.get(), [&dir] {
    return remove_tree(dir) ? 0 : 13;
  });
  pipe.w.reset();
  REQUIRE(read_byte(pipe.r.get()) == 'L');
  auto lock = f.depot.lock("web-1");
  REQUIRE_FALSE(lock);
  CHECK(lock.error().kind == ErrorKind::ContainerNotFound);
  CHECK(lock.error().message == "unknown handle: web-1");
  CHECK(exit_code(child) == 0);
  CHECK_FALSE(f.depot.exists("web-1"));
}
