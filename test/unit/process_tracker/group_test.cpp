// A process's group (its sub-cgroup) reaches the runtime's exec and the
// process's record, so that ps tells it.
#include <doctest/doctest.h>

#include "fake_exec.hpp"
#include "shim_env.hpp"
#include "process_tracker/tracker.hpp"
#include "support/machine.hpp"

using namespace dmc;
using dmc::process_tracker::ProcessSpec;
using dmc::test::Env;
using dmc::test::eventually;
using dmc::test::shell;

TEST_CASE("a process started in a group has it in its exec args and in the list") {
  Env env;
  ProcessSpec grouped;
  grouped.id = "grouped";
  grouped.group = "web";
  ProcessSpec plain;
  plain.id = "plain";
  REQUIRE(env.start(shell("exit 0"), grouped) == "grouped");
  REQUIRE(env.start(shell("exit 0"), plain) == "plain");
  REQUIRE(env.exec.calls.size() == 2);
  CHECK(env.exec.calls[0].args.group == "web");
  CHECK(env.exec.calls[1].args.group == "");
  REQUIRE(eventually([&] { return env.exited("grouped") && env.exited("plain"); }));

  auto listed = env.tracker.list(env.processes);
  REQUIRE_MESSAGE(listed, listed.error().message);
  REQUIRE(listed->size() == 2);
  CHECK((*listed)[0].id == "grouped");
  CHECK((*listed)[0].group == "web");
  CHECK((*listed)[1].id == "plain");
  CHECK((*listed)[1].group == "");
}
