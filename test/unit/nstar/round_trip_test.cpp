#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>

#include <doctest/doctest.h>

#include "nstar_fixture.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string random_bytes(size_t size) {
  std::mt19937_64 gen(42);
  std::string out(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = gen();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

void make_dir_mode(const std::string& path, mode_t mode) {
  REQUIRE(::mkdir(path.c_str(), mode) == 0);
  REQUIRE(::chmod(path.c_str(), mode) == 0);
}

// Nested dirs, relative and absolute symlinks, a hard link, an empty file,
// a 20 MiB file, odd modes, an xattr, an old mtime.
void make_tree(const TempDir& src) {
  make_dir_mode(src / "a", 0755);
  make_dir_mode(src / "a/b", 0755);
  make_dir_mode(src / "a/b/c", 0750);
  write_text(src / "a/b/c/deep.txt", "deep\n");
  REQUIRE(::symlink("a/b", (src / "link").c_str()) == 0);
  REQUIRE(::symlink("/etc/dmc-rootfs", (src / "abs").c_str()) == 0);
  write_text(src / "empty", "");
  write_text(src / "big.bin", random_bytes(20 << 20));
  write_text(src / "exe", "#!/bin/sh\necho hi\n", 0751);
  REQUIRE(::link((src / "exe").c_str(), (src / "hard").c_str()) == 0);
  write_text(src / "secret", "s3cret", 0600);
  write_text(src / "wide", "anyone", 0777);
  make_dir_mode(src / "private", 0700);
  write_text(src / "private/inside", "in");
  write_text(src / "attr", "has an xattr");
  REQUIRE(::setxattr((src / "attr").c_str(), "user.test", "x", 1, 0) == 0);
  timespec old[2] = {{1600000000, 0}, {1600000000, 0}};
  REQUIRE(::utimensat(AT_FDCWD, (src / "secret").c_str(), old, AT_SYMLINK_NOFOLLOW) == 0);
}

std::string gnu_tar_of(const TempDir& src, const std::string& path) {
  auto r = run({"tar", "--xattrs", "-C", src.path(), "-cf", path, "."});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return read_text(path);
}

}  // namespace

TEST_CASE("a tree streamed in and out again comes back byte for byte") {
  ContainerFixture c;
  TempDir src, dst;
  make_tree(src);
  auto tar = gnu_tar_of(src, c.scratch / "src.tar");

  auto in = c.stream_in(kRoot, "/data", tar);
  REQUIRE_MESSAGE(in, in.error().message);
  auto exe = info_of(c.host_path("/data/exe"));
  CHECK(exe.mode == 0751);
  CHECK(exe.uid == 0);
  CHECK(info_of(c.host_path("/data/attr")).xattr == "x");

  auto out = c.stream_out(kRoot, "/data/");
  REQUIRE_MESSAGE(out.result, out.result.error().message);
  write_text(c.scratch / "out.tar", out.bytes);
  auto r = run({"tar", "--xattrs", "-xpf", c.scratch / "out.tar", "-C", dst.path()});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(r.err == "");

  auto want = tree_of(src.path());
  auto got = tree_of(dst.path());
  std::vector<std::string> want_names, got_names;
  for (auto& [name, info] : want) want_names.push_back(name);
  for (auto& [name, info] : got) got_names.push_back(name);
  REQUIRE(got_names == want_names);
  for (auto& [name, info] : want) {
    CHECK_MESSAGE(got[name].type == info.type, name);
    CHECK_MESSAGE(got[name].mode == info.mode, name);
    CHECK_MESSAGE(got[name].link == info.link, name);
    CHECK_MESSAGE(got[name].mtime == info.mtime, name);
    CHECK_MESSAGE(got[name].xattr == info.xattr, name);
    CHECK_MESSAGE((got[name].content == info.content), name);
  }
  CHECK(got["big.bin"].content.size() == 20u << 20);
  CHECK(got["attr"].xattr == "x");
  CHECK(got["secret"].mtime == 1600000000);
  CHECK(got["hard"].inode == got["exe"].inode);
}

TEST_CASE("StreamOut gives the entry itself, or with a trailing slash its contents") {
  ContainerFixture c;
  auto in = c.stream_in(kRoot, "/data", make_tar({tar_dir("d"), tar_file("d/f", "f"),
                                                  tar_dir("d/e"), tar_file("d/e/g", "g")}));
  REQUIRE_MESSAGE(in, in.error().message);

  auto itself = c.stream_out(kRoot, "/data/d");
  REQUIRE(itself.result);
  CHECK(tar_names(itself.bytes) == std::vector<std::string>{"d/", "d/e/", "d/e/g", "d/f"});

  auto contents = c.stream_out(kRoot, "/data/d/");
  REQUIRE(contents.result);
  CHECK(tar_names(contents.bytes) == std::vector<std::string>{"./", "./e/", "./e/g", "./f"});

  auto file = c.stream_out(kRoot, "/data/d/f");
  REQUIRE(file.result);
  CHECK(tar_entries(file.bytes) == std::vector<std::pair<std::string, std::string>>{{"f", "f"}});
}

TEST_CASE("relative paths are under the user's home, and / is a destination like any other") {
  ContainerFixture c;
  auto one = make_tar({tar_file("x", "x\n")});
  auto in = c.stream_in(kRoot, "rel/dir", one);
  REQUIRE_MESSAGE(in, in.error().message);
  CHECK(read_text(c.host_path("/root/rel/dir/x")) == "x\n");

  REQUIRE(c.stream_in(kRoot, ".", make_tar({tar_file("dot", ".")})));
  CHECK(read_text(c.host_path("/root/dot")) == ".");

  auto out = c.stream_out(kRoot, "rel");
  REQUIRE(out.result);
  CHECK(tar_names(out.bytes) == std::vector<std::string>{"rel/", "rel/dir/", "rel/dir/x"});

  REQUIRE(c.stream_in(kRoot, "/", make_tar({tar_file("at-root.txt", "top")})));
  CHECK(read_text(c.host_path("/at-root.txt")) == "top");
  auto all = c.stream_out(kRoot, "/");
  REQUIRE(all.result);
  auto names = tar_names(all.bytes);
  CHECK(names.front() == "./");
  CHECK(std::find(names.begin(), names.end(), "./at-root.txt") != names.end());
  CHECK(std::find(names.begin(), names.end(), "./etc/dmc-rootfs") != names.end());
}

TEST_CASE("the helper works in the container's filesystem, not the host's") {
  ContainerFixture c;
  REQUIRE_FALSE(exists("/etc/dmc-rootfs"));  // only the container has it
  auto out = c.stream_out(kRoot, "/etc/dmc-rootfs");
  REQUIRE_MESSAGE(out.result, out.result.error().message);
  CHECK(tar_entries(out.bytes) == std::vector<std::pair<std::string, std::string>>{
                                      {"dmc-rootfs", "dmc default rootfs (busybox)\n"}});

  std::string name = "/etc/nstar-" + c.handle;
  REQUIRE(c.stream_in(kRoot, name, make_tar({tar_file("f", "in")})));
  CHECK(read_text(c.host_path(name + "/f")) == "in");
  CHECK_FALSE(exists(name));
}

TEST_CASE("the kernel's filesystems are hidden from the helper and left alone in the container") {
  ContainerFixture c;
  auto proc = c.stream_out(kRoot, "/proc/");
  REQUIRE_MESSAGE(proc.result, proc.result.error().message);
  CHECK(tar_names(proc.bytes) == std::vector<std::string>{"./"});
  auto sys = c.stream_out(kRoot, "/sys/");
  REQUIRE(sys.result);
  CHECK(tar_names(sys.bytes) == std::vector<std::string>{"./"});

  auto status = c.env.exec(c.handle, {"cat", "/proc/1/status"});
  CHECK(status.code == 0);
  CHECK(status.out.find("Name:") != std::string::npos);
  auto cgroup = c.env.exec(c.handle, {"ls", "/sys/fs/cgroup"});
  CHECK(cgroup.code == 0);
  CHECK(cgroup.out != "");
}
