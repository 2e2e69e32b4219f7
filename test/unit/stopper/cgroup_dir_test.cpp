// Finding, listing, freezing and thawing a container's cgroup.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>

#include "common/fs.hpp"
#include "stopper/cgroup_dir.hpp"
#include "test_cgroup.hpp"

using namespace dmc;
using namespace std::chrono_literals;
using dmc::cgroup::Hierarchy;
using dmc::stopper::CgroupDir;
using dmc::stopper::FreezeGuard;
using dmc::test::TempDir;
using dmc::test::TestCgroup;

namespace {

// A fake hybrid host under a temp dir: the cgroup exists in memory and
// freezer (v1) and in the unified hierarchy (v2).
struct FakeHost {
  TempDir root;
  Hierarchy memory{root / "memory", false};
  Hierarchy freezer{root / "freezer", false};
  Hierarchy unified{root / "unified", true};

  FakeHost() {
    REQUIRE(make_dirs(memory.mount_point + "/dmc/web-1"));
    REQUIRE(make_dirs(freezer.mount_point + "/dmc/web-1"));
    REQUIRE(make_dirs(unified.mount_point + "/dmc/web-1"));
    test::write_text(memory.mount_point + "/dmc/web-1/cgroup.procs", "");
    test::write_text(freezer.mount_point + "/dmc/web-1/cgroup.procs", "");
    test::write_text(freezer.mount_point + "/dmc/web-1/freezer.state", "THAWED\n");
    test::write_text(unified.mount_point + "/dmc/web-1/cgroup.procs", "");
  }
};

}  // namespace

TEST_CASE("locate uses the freezer hierarchy on a hybrid host") {
  FakeHost host;
  auto found = CgroupDir::locate({host.memory, host.unified, host.freezer}, "/dmc/web-1");
  REQUIRE(found);
  CHECK(found->dir() == host.freezer.mount_point + "/dmc/web-1");
  CHECK_FALSE(found->v2());
}

TEST_CASE("locate uses the unified hierarchy on a cgroup v2 host") {
  FakeHost host;
  auto found = CgroupDir::locate({host.unified}, "/dmc/web-1");
  REQUIRE(found);
  CHECK(found->dir() == host.unified.mount_point + "/dmc/web-1");
  CHECK(found->v2());
}

TEST_CASE("locate on a v1 host without the cgroup in the freezer hierarchy is NotFound") {
  FakeHost host;
  auto found = CgroupDir::locate({host.memory, host.unified}, "/dmc/web-1");
  REQUIRE_FALSE(found);
  CHECK(found.error().kind == ErrorKind::NotFound);
  CHECK(found.error().message == "cgroup /dmc/web-1 not found");
}

TEST_CASE("locate refuses the root cgroup and paths that climb out") {
  FakeHost host;
  for (const std::string path : {"", "/", "dmc/web-1", "/dmc/../.."}) {
    CAPTURE(path);
    auto found = CgroupDir::locate({host.freezer, host.unified}, path);
    REQUIRE_FALSE(found);
    CHECK(found.error().kind == ErrorKind::Invalid);
  }
}

TEST_CASE("members lists the processes of nested cgroups and leaves out init") {
  FakeHost host;
  auto dir = host.freezer.mount_point + "/dmc/web-1";
  test::write_text(dir + "/cgroup.procs", "10\n11\n12\n");
  REQUIRE(make_dirs(dir + "/inner"));
  test::write_text(dir + "/inner/cgroup.procs", "20\n");
  auto members = CgroupDir(dir, false).members(11);
  REQUIRE(members);
  std::ranges::sort(*members);
  CHECK(*members == std::vector<int>{10, 12, 20});
}

TEST_CASE("members of a cgroup that is gone is NotFound") {
  TempDir temp;
  auto members = CgroupDir(temp / "gone", false).members(1);
  REQUIRE_FALSE(members);
  CHECK(members.error().kind == ErrorKind::NotFound);
}

TEST_CASE("a freeze guard freezes a v1 cgroup and thaws it on scope exit") {
  TestCgroup cgroup;
  cgroup.start_init();
  CgroupDir dir(cgroup.freezer_dir(), false);
  {
    FreezeGuard guard(dir);
    REQUIRE(guard.freeze(2s));
    CHECK(cgroup.freezer_state() == "FROZEN");
  }
  CHECK(cgroup.freezer_state() == "THAWED");
}

TEST_CASE("a freeze guard freezes a v2 cgroup and thaws it on scope exit") {
  TestCgroup cgroup;
  cgroup.start_init();
  CgroupDir dir(cgroup.unified_dir(), true);
  {
    FreezeGuard guard(dir);
    REQUIRE(guard.freeze(2s));
    CHECK(test::read_text(cgroup.unified_dir() + "/cgroup.events").find("frozen 1") !=
          std::string::npos);
  }
  CHECK(test::read_text(cgroup.unified_dir() + "/cgroup.events").find("frozen 0") !=
        std::string::npos);
  CHECK(dir.freezer_state() == std::string("thawed"));
}

TEST_CASE("a freeze that does not complete is Unavailable and the guard still thaws") {
  TempDir temp;
  // A cgroup that never reports itself frozen.
  test::write_text(temp / "cgroup.freeze", "0");
  test::write_text(temp / "cgroup.events", "populated 1\nfrozen 0\n");
  CgroupDir dir(temp.path(), true);
  {
    FreezeGuard guard(dir);
    auto frozen = guard.freeze(50ms);
    REQUIRE_FALSE(frozen);
    CHECK(frozen.error().kind == ErrorKind::Unavailable);
    CHECK(test::read_text(temp / "cgroup.freeze") == "1");
  }
  CHECK(test::read_text(temp / "cgroup.freeze") == "0");
}
