// A small container rootfs for the process builder tests: users root, nobody,
// alice (1000, home made) and bob (1001, no home yet), and groups listing
// alice and bob as members.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

inline constexpr const char* kFakePasswd =
    "root:x:0:0:root:/root:/bin/sh\n"
    "# a comment, then lines libc would skip\n"
    "\n"
    "broken-line-without-fields\n"
    "weird:x:notanumber:0::/:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
    "alice:x:1000:1000:Alice:/home/alice:/bin/sh\n"
    "bob:x:1001:1001::/home/bob:/bin/sh\n"
    "nohome:x:1002:1002::\n";

inline constexpr const char* kFakeGroup =
    "root:x:0:\n"
    "alice:x:1000:\n"
    "bob:x:1001:\n"
    "dev:x:2000:alice\n"
    "ops:x:2001:bob,alice\n"
    "again:x:2000:alice\n"
    "others:x:2002:carol\n";

struct StatInfo {
  uid_t uid = 0;
  gid_t gid = 0;
  mode_t mode = 0;
};

inline StatInfo stat_of(const std::string& path) {
  struct stat st {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &st) == 0, path);
  return {st.st_uid, st.st_gid, st.st_mode};
}

class FakeRootfs {
 public:
  FakeRootfs() {
    REQUIRE(make_dirs(dir_ / "etc"));
    REQUIRE(make_dirs(dir_ / "home/alice"));
    REQUIRE(::chown((dir_ / "home/alice").c_str(), 1000, 1000) == 0);
    write_text(dir_ / "etc/passwd", kFakePasswd);
    write_text(dir_ / "etc/group", kFakeGroup);
  }

  [[nodiscard]] const std::string& path() const { return dir_.path(); }
  [[nodiscard]] std::string operator/(const std::string& name) const { return dir_ / name; }

 private:
  TempDir dir_;
};

}  // namespace dmc::test
