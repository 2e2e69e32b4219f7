// The stop phases on a cgroup v2 directory: this host is hybrid, so the test's
// processes also join a cgroup of their own in its unified hierarchy and the
// stopper is pointed at that one.
#include <doctest/doctest.h>

#include <chrono>

#include "common/log.hpp"
#include "stopper/cgroup_dir.hpp"
#include "stopper/stop_processes.hpp"
#include "support/machine.hpp"
#include "test_cgroup.hpp"

using namespace dmc;
using namespace std::chrono_literals;
using dmc::stopper::CgroupDir;
using dmc::stopper::stop_processes;
using dmc::test::TestCgroup;

namespace {

std::vector<int> v2_members(const TestCgroup& cgroup) {
  auto members = CgroupDir(cgroup.unified_dir(), true).members(-1);
  REQUIRE(members);
  return *members;
}

}  // namespace

TEST_CASE("on cgroup v2 a trapping process exits with its own code and one that ignores SIGTERM gets SIGKILL") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int trapper = cgroup.start("trap 'exit 3' TERM", "sleep 1000 & wait");
  int stubborn = cgroup.start("trap '' TERM", "exec sleep 1000");

  CgroupDir dir(cgroup.unified_dir(), true);
  REQUIRE(stop_processes(dir, init, {.grace = 300ms}, Logger()));

  auto trapped = cgroup.exit_of(trapper);
  auto killed = cgroup.exit_of(stubborn);
  REQUIRE(trapped);
  REQUIRE(killed);
  CHECK(trapped->code == 3);
  CHECK(killed->code == 137);
  CHECK(v2_members(cgroup) == std::vector<int>{init});
  CHECK(test::process_alive(init));
}

TEST_CASE("on cgroup v2 kill stops a fork loop and leaves the cgroup thawed") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int loop = cgroup.start("", "while :; do sleep 10 & done");

  CgroupDir dir(cgroup.unified_dir(), true);
  REQUIRE(stop_processes(dir, init, {.kill = true}, Logger()));

  CHECK(v2_members(cgroup) == std::vector<int>{init});
  auto exit = cgroup.exit_of(loop);
  REQUIRE(exit);
  CHECK(exit->code == 137);
  CHECK(dir.freezer_state() == std::string("thawed"));
  CHECK(test::process_alive(init));
}
