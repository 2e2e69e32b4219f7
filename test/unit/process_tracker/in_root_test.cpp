#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "fake_rootfs.hpp"
#include "process_tracker/process_builder.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::process_tracker::make_dirs_in_root;
using dmc::process_tracker::open_in_root;
using dmc::test::FakeRootfs;
using dmc::test::stat_of;
using dmc::test::TempDir;

namespace {

std::string read_fd(const UniqueFd& fd) {
  std::string out;
  char buffer[256];
  ssize_t n;
  while ((n = ::read(fd.get(), buffer, sizeof buffer)) > 0) out.append(buffer, n);
  return out;
}

// Sets the umask for one test and puts the old one back.
struct Umask {
  mode_t old;
  explicit Umask(mode_t mask) : old(::umask(mask)) {}
  ~Umask() { ::umask(old); }
};

}  // namespace

TEST_CASE("open_in_root opens absolute and relative paths under the rootfs") {
  FakeRootfs rootfs;
  test::write_text(rootfs / "etc/hostname", "box\n");
  for (const char* path : {"/etc/hostname", "etc/hostname", "/../../etc/hostname",
                           "etc/../etc/./hostname"}) {
    const std::string shown = path;
    CAPTURE(shown);
    auto fd = open_in_root(rootfs.path(), path, O_RDONLY);
    REQUIRE_MESSAGE(fd, fd.error().message);
    CHECK(read_fd(*fd) == "box\n");
  }
}

TEST_CASE("open_in_root never leaves the rootfs through dot-dot or links") {
  FakeRootfs rootfs;
  TempDir outside;
  test::write_text(outside / "secret", "host\n");
  std::string climb = "../../../../../../../../.." + outside.path() + "/secret";
  REQUIRE(::symlink((outside / "secret").c_str(), (rootfs / "etc/abs").c_str()) == 0);
  REQUIRE(::symlink(climb.c_str(), (rootfs / "etc/rel").c_str()) == 0);
  for (const std::string& path : {climb, std::string("/etc/abs"), std::string("etc/rel")}) {
    CAPTURE(path);
    auto fd = open_in_root(rootfs.path(), path, O_RDONLY);
    REQUIRE_FALSE(fd);
    CHECK(fd.error().kind == ErrorKind::NotFound);
    CHECK(fd.error().message ==
          fmt::format("open {} in {}: No such file or directory", path, rootfs.path()));
  }
  REQUIRE(make_dirs(rootfs.path() + outside.path()));
  test::write_text(rootfs.path() + outside.path() + "/secret", "container\n");
  for (const std::string& path : {climb, std::string("/etc/abs"), std::string("etc/rel")}) {
    auto fd = open_in_root(rootfs.path(), path, O_RDONLY);
    REQUIRE(fd);
    CHECK(read_fd(*fd) == "container\n");
  }
}

TEST_CASE("open_in_root of a missing rootfs names it") {
  TempDir dir;
  auto fd = open_in_root(dir / "gone", "/etc/passwd", O_RDONLY);
  REQUIRE_FALSE(fd);
  CHECK(fd.error().message ==
        fmt::format("open rootfs {}: No such file or directory", dir / "gone"));
}

TEST_CASE("make_dirs_in_root makes each missing level 0755 and owned by the user") {
  FakeRootfs rootfs;
  Umask umask(077);
  REQUIRE(make_dirs_in_root(rootfs.path(), "/work/a/b", 1001, 1002));
  for (const std::string dir : {"work", "work/a", "work/a/b"}) {
    CAPTURE(dir);
    auto st = stat_of(rootfs / dir);
    CHECK(S_ISDIR(st.mode));
    CHECK((st.mode & 07777) == 0755);
    CHECK(st.uid == 1001);
    CHECK(st.gid == 1002);
  }
}

TEST_CASE("make_dirs_in_root leaves existing directories as they are") {
  FakeRootfs rootfs;
  REQUIRE(::chmod((rootfs / "home").c_str(), 0711) == 0);
  REQUIRE(make_dirs_in_root(rootfs.path(), "home/bob", 1001, 1001));
  auto home = stat_of(rootfs / "home");
  CHECK(home.uid == 0);
  CHECK((home.mode & 07777) == 0711);
  auto alice = stat_of(rootfs / "home/alice");
  REQUIRE(make_dirs_in_root(rootfs.path(), "/home/alice", 1001, 1001));
  CHECK(stat_of(rootfs / "home/alice").uid == alice.uid);
  CHECK(stat_of(rootfs / "home/bob").uid == 1001);
  REQUIRE(make_dirs_in_root(rootfs.path(), "/", 1001, 1001));
  CHECK(stat_of(rootfs.path()).uid == 0);
}

TEST_CASE("make_dirs_in_root fails on a file in the way and names it") {
  FakeRootfs rootfs;
  auto made = make_dirs_in_root(rootfs.path(), "/etc/passwd/sub", 0, 0);
  REQUIRE_FALSE(made);
  CHECK(made.error().message ==
        fmt::format("open /etc/passwd in {}: Not a directory", rootfs.path()));
  CHECK(S_ISREG(stat_of(rootfs / "etc/passwd").mode));
}

TEST_CASE("make_dirs_in_root follows links only within the rootfs") {
  FakeRootfs rootfs;
  TempDir outside;
  REQUIRE(::symlink(outside.path().c_str(), (rootfs / "abs").c_str()) == 0);
  std::string climb = "../../../../../../../../.." + outside.path();
  REQUIRE(::symlink(climb.c_str(), (rootfs / "home/rel").c_str()) == 0);

  CHECK_FALSE(make_dirs_in_root(rootfs.path(), "/abs/sub", 1000, 1000));
  CHECK_FALSE(make_dirs_in_root(rootfs.path(), "/home/rel/sub", 1000, 1000));
  CHECK_FALSE(path_exists(outside / "sub"));

  // Once the link's target exists inside the rootfs, that is where dirs go.
  REQUIRE(make_dirs(rootfs.path() + outside.path()));
  REQUIRE(make_dirs_in_root(rootfs.path(), "/abs/sub", 1000, 1000));
  REQUIRE(make_dirs_in_root(rootfs.path(), "/home/rel/other", 1000, 1000));
  CHECK_FALSE(path_exists(outside / "sub"));
  CHECK_FALSE(path_exists(outside / "other"));
  CHECK(stat_of(rootfs.path() + outside.path() + "/sub").uid == 1000);
  CHECK(stat_of(rootfs.path() + outside.path() + "/other").uid == 1000);
}

TEST_CASE("make_dirs_in_root keeps dot-dot inside the rootfs") {
  TempDir outer;
  const std::string rootfs = outer / "rootfs";
  REQUIRE(make_dirs(rootfs));
  REQUIRE(make_dirs_in_root(rootfs, "/../escaped/./x/../y", 7, 7));
  CHECK(stat_of(rootfs + "/escaped/y").uid == 7);
  CHECK_FALSE(path_exists(rootfs + "/escaped/x"));
  CHECK_FALSE(path_exists(outer / "escaped"));
}
