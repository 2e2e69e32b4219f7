// dmc stream-in / stream-out as a user sees them.
#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// A tree with nested dirs, a symlink, an empty file, odd modes, a 3 MiB file.
void make_tree(const std::string& root) {
  REQUIRE(make_dirs(root + "/tree/nested/deeper"));
  write_text(root + "/tree/empty", "");
  write_text(root + "/tree/nested/script", "#!/bin/sh\necho hi\n", 0751);
  write_text(root + "/tree/nested/deeper/secret", "s3cret", 0600);
  std::string big;
  for (int i = 0; i < 300000; ++i) big += fmt::format("{:09}\n", i);
  write_text(root + "/tree/big", big);
  REQUIRE(::symlink("nested/script", (root + "/tree/link").c_str()) == 0);
}

std::string tar_of(const std::string& dir, const std::string& what) {
  auto r = run({"tar", "-C", dir, "-cf", "-", what});
  REQUIRE(r.code == 0);
  return r.out;
}

}  // namespace

TEST_CASE("a tree streamed in and back out is the same, byte for byte") {
  DmcEnv env;
  auto h = env.create();
  TempDir host;
  make_tree(host.path());
  auto in = env.dmc({"stream-in", h, "--dest", "/srv/data"}, tar_of(host.path(), "tree"));
  REQUIRE_MESSAGE(in.code == 0, in.err);
  CHECK(env.dmc({"run", h, "--", "/bin/cat", "/srv/data/tree/nested/deeper/secret"}).out == "s3cret");

  auto out = env.dmc({"stream-out", h, "--src", "/srv/data/tree"});
  REQUIRE_MESSAGE(out.code == 0, out.err);
  TempDir back;
  REQUIRE(run({"tar", "-C", back.path(), "-xf", "-"}, out.out).code == 0);
  auto diff = run({"diff", "-r", "--no-dereference", host / "tree", back / "tree"});
  CHECK_MESSAGE(diff.code == 0, diff.out);
  auto modes = run({"stat", "-c", "%a %n", back / "tree/nested/script", back / "tree/nested/deeper/secret"});
  CHECK(modes.out == "751 " + back / "tree/nested/script" + "\n600 " + back / "tree/nested/deeper/secret" + "\n");
}

TEST_CASE("stream-out of a missing source fails before writing any byte") {
  DmcEnv env;
  auto h = env.create();
  auto r = env.dmc({"stream-out", h, "--src", "/no/such/path"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "dmc: error streaming out: stat /no/such/path: No such file or directory\n");
}

TEST_CASE("streamed-in files belong to the user, who cannot write where it may not") {
  DmcEnv env;
  auto h = env.create();
  TempDir host;
  make_tree(host.path());
  auto mine = env.dmc({"stream-in", h, "--dest", "/tmp/nobodys", "--user", "nobody"},
                      tar_of(host.path(), "tree"));
  REQUIRE_MESSAGE(mine.code == 0, mine.err);
  CHECK(env.dmc({"run", h, "--", "/bin/stat", "-c", "%u:%g", "/tmp/nobodys/tree/big"}).out ==
        "65534:65534\n");
  auto denied = env.dmc({"stream-in", h, "--dest", "/root/x", "--user", "nobody"},
                        tar_of(host.path(), "tree"));
  CHECK(denied.code == 1);
  CHECK(denied.err.find("Permission denied") != std::string::npos);
  auto ghost = env.dmc({"stream-in", h, "--dest", "/x", "--user", "ghost"}, "");
  CHECK(ghost.code == 1);
  CHECK(ghost.err == "dmc: error streaming in: unknown user 'ghost'\n");
}

TEST_CASE("an archive that climbs out of the destination changes nothing on the host") {
  DmcEnv env;
  auto h = env.create();
  TempDir host;
  // tar keeps a leading ../ with -P: the entry tries to reach the host dir.
  write_text(host / "payload", "evil");
  auto climbing = run({"tar", "-C", host.path(), "-P", "-cf", "-",
                       "--transform", "s|^payload|../../../../../../.." + host.path() + "/escaped|",
                       "payload"});
  REQUIRE(climbing.code == 0);
  auto r = env.dmc({"stream-in", h, "--dest", "/tmp"}, climbing.out);
  CHECK(r.code == 1);
  CHECK(r.err.starts_with("dmc: error streaming in: "));
  CHECK_FALSE(path_exists(host / "escaped"));
}
