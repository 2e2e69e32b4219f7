#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::test::TempDir;

TEST_CASE("atomic_write_file replaces the whole file and leaves no temp file") {
  TempDir dir;
  auto path = dir / "state.json";
  REQUIRE(atomic_write_file(path, "old"));
  REQUIRE(atomic_write_file(path, "new content", 0600));
  CHECK(*read_file(path) == "new content");
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(::rmdir(dir.path().c_str()) == -1);  // only the one file is there
  REQUIRE(::unlink(path.c_str()) == 0);
  CHECK(::rmdir(dir.path().c_str()) == 0);
  REQUIRE(::mkdir(dir.path().c_str(), 0700) == 0);
}

TEST_CASE("atomic_write_file into a missing directory fails with the path") {
  TempDir dir;
  auto result = atomic_write_file(dir / "missing/file", "x");
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("missing/file") != std::string::npos);
}

TEST_CASE("read_file of a missing file is NotFound") {
  TempDir dir;
  auto result = read_file(dir / "nope");
  REQUIRE_FALSE(result);
  CHECK(result.error().kind == ErrorKind::NotFound);
}

TEST_CASE("make_dirs makes every level and accepts existing ones") {
  TempDir dir;
  REQUIRE(make_dirs(dir / "a/b/c"));
  REQUIRE(make_dirs(dir / "a/b/c"));
  CHECK(path_exists(dir / "a/b/c"));
  test::write_text(dir / "file", "x");
  CHECK_FALSE(make_dirs(dir / "file"));
}

TEST_CASE("remove_tree removes a tree but never follows symlinks") {
  TempDir dir, outside;
  test::write_text(outside / "keep", "precious");
  REQUIRE(make_dirs(dir / "t/sub/deeper"));
  test::write_text(dir / "t/sub/deeper/f", "x");
  REQUIRE(::symlink(outside.path().c_str(), (dir / "t/link").c_str()) == 0);
  REQUIRE(remove_tree(dir / "t"));
  CHECK_FALSE(path_exists(dir / "t"));
  CHECK(test::read_text(outside / "keep") == "precious");
  CHECK(remove_tree(dir / "t"));  // missing is fine
}

TEST_CASE("remove_tree refuses to empty a mount inside the tree") {
  DMC_SKIP_UNLESS_ROOT();  // to mount a tmpfs
  TempDir dir;
  REQUIRE(make_dirs(dir / "t/mnt"));
  REQUIRE(::mount("tmpfs", (dir / "t/mnt").c_str(), "tmpfs", 0, nullptr) == 0);
  test::write_text(dir / "t/mnt/inside", "x");
  auto result = remove_tree(dir / "t");
  CHECK_FALSE(result);
  CHECK(path_exists(dir / "t/mnt/inside"));
  REQUIRE(::umount2((dir / "t/mnt").c_str(), MNT_DETACH) == 0);
  CHECK(remove_tree(dir / "t"));
}
