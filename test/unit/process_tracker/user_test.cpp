#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <future>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "fake_rootfs.hpp"
#include "process_tracker/process_builder.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::process_tracker::resolve_user;
using dmc::process_tracker::ResolvedUser;
using dmc::test::FakeRootfs;
using dmc::test::TempDir;

namespace {

struct Expected {
  const char* spec;
  const char* name;
  uint32_t uid;
  uint32_t gid;
  std::vector<uint32_t> additional_gids;
  const char* home;
};

void check_user(const std::string& rootfs, const Expected& want) {
  const std::string spec = want.spec;
  CAPTURE(spec);
  auto got = resolve_user(rootfs, want.spec);
  REQUIRE_MESSAGE(got, got.error().message);
  CHECK(got->name == want.name);
  CHECK(got->uid == want.uid);
  CHECK(got->gid == want.gid);
  CHECK(got->additional_gids == want.additional_gids);
  CHECK(got->home == want.home);
}

void check_error(const std::string& rootfs, const char* spec, ErrorKind kind,
                 const std::string& message) {
  const std::string shown = spec;
  CAPTURE(shown);
  auto got = resolve_user(rootfs, spec);
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == kind);
  CHECK(got.error().message == message);
}

}  // namespace

TEST_CASE("resolve_user reads names and numbers from the container passwd and group") {
  FakeRootfs rootfs;
  const std::vector<Expected> table = {
      {"", "root", 0, 0, {}, "/root"},
      {"root", "root", 0, 0, {}, "/root"},
      {"0", "root", 0, 0, {}, "/root"},
      {"nobody", "nobody", 65534, 65534, {}, "/nonexistent"},
      {"alice", "alice", 1000, 1000, {2000, 2001}, "/home/alice"},
      {"1000", "alice", 1000, 1000, {2000, 2001}, "/home/alice"},
      {"bob", "bob", 1001, 1001, {2001}, "/home/bob"},
      {"nohome", "nohome", 1002, 1002, {}, ""},
      {"5000", "", 5000, 5000, {}, ""},
      {"4294967294", "", 4294967294u, 4294967294u, {}, ""},
      {"1000:1001", "alice", 1000, 1001, {}, "/home/alice"},
      {"alice:dev", "alice", 1000, 2000, {}, "/home/alice"},
      {"alice:0", "alice", 1000, 0, {}, "/home/alice"},
      {"5000:ops", "", 5000, 2001, {}, ""},
      {"root:dev", "root", 0, 2000, {}, "/root"},
  };
  for (const auto& row : table) check_user(rootfs.path(), row);
}

TEST_CASE("resolve_user rejects unknown and malformed users") {
  FakeRootfs rootfs;
  check_error(rootfs.path(), "ghost", ErrorKind::NotFound, "unknown user 'ghost'");
  check_error(rootfs.path(), "ghost:dev", ErrorKind::NotFound, "unknown user 'ghost'");
  check_error(rootfs.path(), "weird", ErrorKind::NotFound, "unknown user 'weird'");
  check_error(rootfs.path(), "alice:nogroup", ErrorKind::NotFound, "unknown group 'nogroup'");
  for (const char* bad : {"4294967295", "99999999999999999999999", "-1", "+5", "1000:",
                          ":1000", "1:2:3", "alice:", "1000:4294967295", "alice:-2"}) {
    check_error(rootfs.path(), bad, ErrorKind::Invalid, fmt::format("invalid user '{}'", bad));
  }
}

TEST_CASE("resolve_user without an etc/passwd knows only root and numbers") {
  TempDir rootfs;
  check_user(rootfs.path(), {"", "root", 0, 0, {}, "/"});
  check_user(rootfs.path(), {"root", "root", 0, 0, {}, "/"});
  check_user(rootfs.path(), {"1000", "", 1000, 1000, {}, ""});
  check_user(rootfs.path(), {"1000:5", "", 1000, 5, {}, ""});
  check_error(rootfs.path(), "alice", ErrorKind::NotFound, "unknown user 'alice'");
}

TEST_CASE("resolve_user without an etc/group gives no additional groups") {
  FakeRootfs rootfs;
  REQUIRE(::unlink((rootfs / "etc/group").c_str()) == 0);
  check_user(rootfs.path(), {"alice", "alice", 1000, 1000, {}, "/home/alice"});
  check_error(rootfs.path(), "alice:dev", ErrorKind::NotFound, "unknown group 'dev'");
}

TEST_CASE("resolve_user fails on an etc/passwd that is not a regular file instead of hanging") {
  TempDir rootfs;
  REQUIRE(make_dirs(rootfs / "etc"));
  REQUIRE(::mkfifo((rootfs / "etc/passwd").c_str(), 0644) == 0);
  auto pending = std::async(std::launch::async, [&] { return resolve_user(rootfs.path(), "x"); });
  REQUIRE(pending.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  auto got = pending.get();
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
  CHECK(got.error().message == fmt::format("/etc/passwd in {}: not a regular file", rootfs.path()));
}

// A host file the container must never get to read through a link.
struct Outside {
  TempDir dir;
  Outside() { test::write_text(dir / "passwd", "alice:x:4242:4242::/evil:/bin/sh\n"); }
};

TEST_CASE("an absolute etc/passwd link is resolved inside the rootfs") {
  FakeRootfs rootfs;
  Outside outside;
  REQUIRE(::unlink((rootfs / "etc/passwd").c_str()) == 0);
  REQUIRE(::symlink((outside.dir / "passwd").c_str(), (rootfs / "etc/passwd").c_str()) == 0);
  check_error(rootfs.path(), "alice", ErrorKind::NotFound, "unknown user 'alice'");

  // The same path inside the rootfs is what the link means to the container.
  REQUIRE(make_dirs(rootfs.path() + outside.dir.path()));
  test::write_text(rootfs.path() + outside.dir.path() + "/passwd",
                   "alice:x:1234:1235::/inside:/bin/sh\n");
  check_user(rootfs.path(), {"alice", "alice", 1234, 1235, {2000, 2001}, "/inside"});
}

TEST_CASE("a relative etc/passwd link climbing out of the rootfs stays inside it") {
  FakeRootfs rootfs;
  Outside outside;
  std::string climb = "../../../../../../../../../../.." + outside.dir.path() + "/passwd";
  REQUIRE(::unlink((rootfs / "etc/passwd").c_str()) == 0);
  REQUIRE(::symlink(climb.c_str(), (rootfs / "etc/passwd").c_str()) == 0);
  check_error(rootfs.path(), "alice", ErrorKind::NotFound, "unknown user 'alice'");

  REQUIRE(make_dirs(rootfs.path() + outside.dir.path()));
  test::write_text(rootfs.path() + outside.dir.path() + "/passwd",
                   "alice:x:1234:1235::/inside:/bin/sh\n");
  check_user(rootfs.path(), {"alice", "alice", 1234, 1235, {2000, 2001}, "/inside"});
}

TEST_CASE("an etc directory linked outside the rootfs is resolved inside it") {
  FakeRootfs rootfs;
  Outside outside;
  REQUIRE(remove_tree(rootfs / "etc"));
  std::string climb = "../../../../../../../.." + outside.dir.path();
  REQUIRE(::symlink(climb.c_str(), (rootfs / "etc").c_str()) == 0);
  check_error(rootfs.path(), "alice", ErrorKind::NotFound, "unknown user 'alice'");
  check_user(rootfs.path(), {"", "root", 0, 0, {}, "/"});
}
