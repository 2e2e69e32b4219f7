// The Stopper on any cgroup with no init to spare (what a container's
// groups need), and thaw of nested cgroups, on this host's v1 freezer with
// real processes in a real cgroup of the test's own.
#include <signal.h>

#include <doctest/doctest.h>

#include <algorithm>

#include "common/fs.hpp"
#include "common/log.hpp"
#include "stopper/stopper.hpp"
#include "support/machine.hpp"
#include "test_cgroup.hpp"

using namespace dmc;
using dmc::stopper::Stopper;
using dmc::test::TestCgroup;

namespace {

std::vector<int> sorted(std::vector<int> pids) {
  std::ranges::sort(pids);
  return pids;
}

}  // namespace

TEST_CASE("kill_all kills every process of a cgroup, none spared, and leaves it thawed") {
  TestCgroup cgroup;
  int first = cgroup.start("trap '' TERM", "exec sleep 1000");
  int second = cgroup.start("", "sleep 1000 & wait");
  const Stopper stopper{Logger()};
  auto members = stopper.members(cgroup.path());
  REQUIRE(members);
  CHECK(sorted(*members) == sorted(cgroup.members()));
  CHECK(members->size() >= 3);  // both shells' processes and the second's sleep

  REQUIRE(stopper.kill_all(cgroup.path()));
  CHECK(cgroup.members().empty());
  for (int pid : {first, second}) {
    auto exit = cgroup.exit_of(pid);
    REQUIRE(exit);
    CHECK(exit->code == 137);
  }
  CHECK(cgroup.freezer_state() == "THAWED");
}

TEST_CASE("signal_all reaches every process of a cgroup and says how many") {
  TestCgroup cgroup;
  int first = cgroup.start("trap 'exit 3' TERM", "sleep 1000 & wait");
  int second = cgroup.start("trap 'exit 4' TERM", "sleep 1000 & wait");
  const Stopper stopper{Logger()};
  const size_t listed = cgroup.members().size();
  auto reached = stopper.signal_all(cgroup.path(), SIGTERM);
  REQUIRE(reached);
  CHECK(static_cast<size_t>(*reached) == listed);
  auto exit = cgroup.exit_of(first);
  REQUIRE(exit);
  CHECK(exit->code == 3);
  exit = cgroup.exit_of(second);
  REQUIRE(exit);
  CHECK(exit->code == 4);
}

TEST_CASE("a cgroup that does not exist has no members, and signal_all and kill_all do nothing") {
  const Stopper stopper{Logger()};
  const std::string missing = "/dmc-stopper-test/no-such-cgroup";
  auto members = stopper.members(missing);
  REQUIRE(members);
  CHECK(members->empty());
  auto reached = stopper.signal_all(missing, SIGKILL);
  REQUIRE(reached);
  CHECK(*reached == 0);
  CHECK(stopper.kill_all(missing));
}

TEST_CASE("thaw thaws a nested cgroup frozen on its own, and leaves thawed ones alone") {
  TestCgroup cgroup;
  const std::string frozen = cgroup.make_nested("frozen");
  const std::string thawed = cgroup.make_nested("thawed");
  REQUIRE(test::run({"/bin/sh", "-c", "echo FROZEN > " + frozen + "/freezer.state"}).code == 0);
  REQUIRE(read_file(frozen + "/freezer.state").value_or("") == "FROZEN\n");

  REQUIRE(Stopper(Logger()).thaw(cgroup.path()));
  CHECK(read_file(frozen + "/freezer.state").value_or("") == "THAWED\n");
  CHECK(read_file(thawed + "/freezer.state").value_or("") == "THAWED\n");
  CHECK(cgroup.freezer_state() == "THAWED");
}
