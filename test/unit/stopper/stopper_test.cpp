// Stopper::stop_all on this host's cgroup v1 freezer, with real processes in
// a real cgroup of the test's own.
#include <fcntl.h>

#include <doctest/doctest.h>

#include <chrono>

#include "common/fs.hpp"
#include "common/log.hpp"
#include "common/unique_fd.hpp"
#include "stopper/stopper.hpp"
#include "support/machine.hpp"
#include "test_cgroup.hpp"

using namespace dmc;
using namespace std::chrono_literals;
using dmc::stopper::Stopper;
using dmc::test::TestCgroup;

namespace {

const std::string kTrapExit3 = "trap 'exit 3' TERM";
const std::string kIgnoreTerm = "trap '' TERM";
const std::string kForkLoop = "while :; do sleep 10 & done";

bool only(const std::vector<int>& pids, int pid) {
  return pids.size() == 1 && pids.front() == pid;
}

}  // namespace

TEST_CASE("stop_all lets a process that traps SIGTERM exit with its own code") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int trapper = cgroup.start(kTrapExit3, "sleep 1000 & wait");

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.grace = 10s}));

  auto exit = cgroup.exit_of(trapper);
  REQUIRE(exit);
  CHECK(exit->code == 3);
  CHECK_FALSE(exit->signaled);
  CHECK(test::process_alive(init));
  CHECK(only(cgroup.members(), init));
}

TEST_CASE("stop_all kills a process that ignores SIGTERM when the grace period ends") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int stubborn = cgroup.start(kIgnoreTerm, "exec sleep 1000");

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.grace = 300ms}));

  auto exit = cgroup.exit_of(stubborn);
  REQUIRE(exit);
  CHECK(exit->code == 137);
  CHECK(exit->signaled);
  CHECK(test::process_alive(init));
  CHECK(only(cgroup.members(), init));
}

TEST_CASE("stop_all leaves only init in a cgroup where a shell forks in a loop") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int loop = cgroup.start(kIgnoreTerm, kForkLoop);

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.grace = 300ms}));

  CHECK(only(cgroup.members(), init));
  auto exit = cgroup.exit_of(loop);
  REQUIRE(exit);
  CHECK(exit->code == 137);
  CHECK(test::process_alive(init));
}

TEST_CASE("stop_all with kill stops a fork loop at once") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int loop = cgroup.start("", kForkLoop);

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.kill = true}));

  CHECK(only(cgroup.members(), init));
  auto exit = cgroup.exit_of(loop);
  REQUIRE(exit);
  CHECK(exit->code == 137);
}

TEST_CASE("stop_all with kill sends SIGKILL without SIGTERM first") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  int trapper = cgroup.start(kTrapExit3, "sleep 1000 & wait");

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.kill = true, .grace = 10s}));

  auto exit = cgroup.exit_of(trapper);
  REQUIRE(exit);
  CHECK(exit->code == 137);
  CHECK(exit->signaled);
  CHECK(test::process_alive(init));
}

TEST_CASE("stop_all leaves the cgroup thawed and init running") {
  TestCgroup cgroup;
  test::TempDir temp;
  int init = cgroup.start_init();
  cgroup.start(kIgnoreTerm, kForkLoop);
  auto log_path = temp / "log";
  UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  REQUIRE(log);

  REQUIRE(Stopper(Logger("dmc", LogLevel::Debug, log.get()))
              .stop_all(cgroup.path(), init, {.grace = 100ms}));

  CHECK(cgroup.freezer_state() == "THAWED");
  CHECK(test::process_alive(init));
  CHECK(only(cgroup.members(), init));
  auto logged = test::read_text(log_path);
  CHECK(logged.find("\"dmc.stopper.stop-all.starting\"") != std::string::npos);
  CHECK(logged.find("\"dmc.stopper.stop-all.terminated\"") != std::string::npos);
  CHECK(logged.find("\"dmc.stopper.stop-all.killed\"") != std::string::npos);
}

TEST_CASE("stop_all reaches processes in cgroups nested in the container's") {
  TestCgroup cgroup;
  int init = cgroup.start_init();
  auto nested = cgroup.make_nested("inner");
  int inner = cgroup.start("echo $$ > " + nested + "/cgroup.procs", "exec sleep 1000");

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.kill = true}));

  auto exit = cgroup.exit_of(inner);
  REQUIRE(exit);
  CHECK(exit->code == 137);
  CHECK(only(cgroup.members(), init));
}

TEST_CASE("stop_all with only init in the cgroup returns and leaves init alone") {
  TestCgroup cgroup;
  int init = cgroup.start_init();

  REQUIRE(Stopper(Logger()).stop_all(cgroup.path(), init, {.grace = 10s}));

  CHECK(test::process_alive(init));
  CHECK(only(cgroup.members(), init));
}

TEST_CASE("stop_all on a cgroup that does not exist is NotFound") {
  auto stopped = Stopper(Logger()).stop_all("/dmc-stopper-test/no-such-cgroup", 1, {});
  REQUIRE_FALSE(stopped);
  CHECK(stopped.error().kind == ErrorKind::NotFound);
  CHECK(stopped.error().message == "cgroup /dmc-stopper-test/no-such-cgroup not found");
}

TEST_CASE("frozen tells a frozen or freezing cgroup from a thawed or missing one") {
  TestCgroup cgroup;
  cgroup.start_init();
  Stopper stopper{Logger()};
  CHECK(stopper.frozen(cgroup.path()) == false);
  test::write_text(cgroup.freezer_dir() + "/freezer.state", "FROZEN");
  REQUIRE(test::eventually([&] { return cgroup.freezer_state() == "FROZEN"; }));
  CHECK(stopper.frozen(cgroup.path()) == true);
  REQUIRE(stopper.thaw(cgroup.path()));
  CHECK(cgroup.freezer_state() == "THAWED");
  CHECK(stopper.frozen(cgroup.path()) == false);
  CHECK(stopper.frozen(cgroup.path() + "-missing") == false);
}
