// Every check of a request is the containerizer's: each bad input is
// Invalid, whichever front door sent it, and nothing is made or changed.
#include <doctest/doctest.h>

#include <functional>

#include "fakes.hpp"

using namespace dmc;
using namespace dmc::test;
using containerizer::CreateRequest;
using containerizer::ProcessSpec;

namespace {

struct BadCreate {
  const char* what;
  std::function<void(CreateRequest&)> spoil;
  const char* message;  // "" when it names a system error
};

}  // namespace

TEST_CASE("a bad create request is Invalid and makes nothing") {
  const std::vector<BadCreate> table = {
      {"handle", [](auto& r) { r.handle = "-x"; }, ""},
      {"handle", [](auto& r) { r.handle = std::string(129, 'a'); }, ""},
      {"env without =", [](auto& r) { r.env = {"PATH=/bin", "NOEQUALS"}; },
       "invalid env 'NOEQUALS': expected KEY=VALUE"},
      {"env without key", [](auto& r) { r.env = {"=v"}; }, "invalid env '=v': expected KEY=VALUE"},
      {"relative mount destination", [](auto& r) { r.bind_mounts = {{"/tmp", "mnt"}}; },
       "invalid bind mount destination 'mnt': must be an absolute path"},
      {"mount on /", [](auto& r) { r.bind_mounts = {{"/tmp", "/"}}; },
       "invalid bind mount destination '/': must not be /"},
      {"mount with ..", [](auto& r) { r.bind_mounts = {{"/tmp", "/a/../b"}}; },
       "invalid bind mount destination '/a/../b': must not contain '..'"},
      {"missing mount source", [](auto& r) { r.bind_mounts = {{"/nonexistent/src", "/mnt"}}; },
       "invalid bind mount source '/nonexistent/src': No such file or directory"},
      {"memory", [](auto& r) { r.limits.memory_bytes = 1024; },
       "invalid memory limit '1024': must be from 6291456 to 9223372036854775807"},
      {"cpu shares", [](auto& r) { r.limits.cpu_shares = 1; },
       "invalid cpu shares '1': must be from 2 to 262144"},
      {"cpu shares", [](auto& r) { r.limits.cpu_shares = 262145; },
       "invalid cpu shares '262145': must be from 2 to 262144"},
      {"pids", [](auto& r) { r.limits.pids_max = 0; },
       "invalid pids limit '0': must be from 1 to 4194304"},
      {"pids", [](auto& r) { r.limits.pids_max = 4194305; },
       "invalid pids limit '4194305': must be from 1 to 4194304"},
      {"property key", [](auto& r) { r.properties = {{"a=b", "v"}}; }, ""},
      {"property key", [](auto& r) { r.properties = {{"", "v"}}; }, ""},
  };
  Engine e;
  for (const auto& bad : table) {
    CAPTURE(bad.what);
    CreateRequest request{.handle = "web-1"};
    bad.spoil(request);
    auto made = e.containerizer->create(request);
    REQUIRE_FALSE(made);
    CHECK(made.error().kind == ErrorKind::Invalid);
    if (*bad.message) CHECK(made.error().message == bad.message);
    CHECK(e.in_depot().empty());
    CHECK(e.runtimes.runtime.runs() == 0);
    CHECK(e.mounter.mounted == 0);
  }
}

TEST_CASE("the limits at the ends of their ranges are taken") {
  Engine e;
  auto made = e.containerizer->create(
      {.handle = "web-1",
       .limits = {.memory_bytes = containerizer::kMinMemoryBytes,
                  .cpu_shares = containerizer::kMaxCpuShares,
                  .pids_max = containerizer::kMaxPids}});
  CHECK_MESSAGE(made, made.error().message);
}

TEST_CASE("a bad limit change is Invalid and changes nothing") {
  Engine e;
  REQUIRE(e.containerizer->create({.handle = "web-1", .limits = {.pids_max = 10}}));
  for (containerizer::Limits bad : {containerizer::Limits{.memory_bytes = 1},
                                    containerizer::Limits{.cpu_shares = 0},
                                    containerizer::Limits{.pids_max = -1}}) {
    auto changed = e.containerizer->update_limits("web-1", bad);
    REQUIRE_FALSE(changed);
    CHECK(changed.error().kind == ErrorKind::Invalid);
  }
  auto info = e.containerizer->info("web-1");
  REQUIRE(info);
  CHECK(info->limits.pids_max == 10);
  CHECK_FALSE(info->limits.memory_bytes);
}

TEST_CASE("a bad process spec is Invalid before the container is looked at") {
  const std::vector<std::pair<std::function<void(ProcessSpec&)>, const char*>> table = {
      {[](auto& s) { s.path = ""; }, "a process needs a path"},
      {[](auto& s) { s.env = {"NOEQUALS"}; }, "invalid env 'NOEQUALS': expected KEY=VALUE"},
      {[](auto& s) { s.rlimits = {{"nosuch", 1, 1}}; }, nullptr},
      {[](auto& s) { s.rlimits = {{"nofile", 1024, 4096}}; },
       "invalid rlimit 'nofile': the soft limit 4096 is above the hard limit 1024"},
      {[](auto& s) { s.spool_cap = 0; }, "invalid spool cap '0': must be positive"},
  };
  Engine e;
  REQUIRE(e.containerizer->create({.handle = "web-1"}));
  for (const auto& [spoil, message] : table) {
    ProcessSpec spec{.path = "/bin/true"};
    spoil(spec);
    auto ran = e.containerizer->run("web-1", spec);
    REQUIRE_FALSE(ran);
    CAPTURE(ran.error().message);
    CHECK(ran.error().kind == ErrorKind::Invalid);
    if (message) CHECK(ran.error().message == message);
    CHECK(e.containerizer->processes("web-1").value_or(std::vector<containerizer::ProcessInfo>(1)).empty());
  }
}

TEST_CASE("rlimits are taken by ulimit's name or the OCI type, in any case") {
  for (const char* name : {"nofile", "NOFILE", "RLIMIT_NOFILE", "rlimit_nofile"}) {
    auto checked = containerizer::checked_rlimit({name, 10, 5});
    REQUIRE(checked);
    CHECK(checked->type == "RLIMIT_NOFILE");
    CHECK(checked->soft == 5);
    CHECK(checked->hard == 10);
  }
}

TEST_CASE("a bad property key is Invalid and sets nothing") {
  Engine e;
  REQUIRE(e.containerizer->create({.handle = "web-1"}));
  for (const char* key : {"", "a=b", "a\nb"}) {
    auto set = e.containerizer->set_property("web-1", key, "v");
    REQUIRE_FALSE(set);
    CHECK(set.error().kind == ErrorKind::Invalid);
  }
  CHECK(e.containerizer->properties("web-1").value_or(containerizer::Properties{{"?", "?"}}).empty());
}

TEST_CASE("a bad handle is Invalid for every request on a container") {
  Engine e;
  const std::string bad = "../web-1";
  CHECK(e.containerizer->destroy(bad).error().kind == ErrorKind::Invalid);
  CHECK(e.containerizer->info(bad).error().kind == ErrorKind::Invalid);
  CHECK(e.containerizer->status(bad).error().kind == ErrorKind::Invalid);
  CHECK(e.containerizer->set_property(bad, "k", "v").error().kind == ErrorKind::Invalid);
  CHECK(e.containerizer->limits(bad).error().kind == ErrorKind::Invalid);
  CHECK(e.containerizer->run(bad, {.path = "/bin/true"}).error().kind == ErrorKind::Invalid);
}

TEST_CASE("status is the state info reports, and an unknown container is not found") {
  Engine e;
  REQUIRE(e.containerizer->create({.handle = "web-1"}));
  auto status = e.containerizer->status("web-1");
  auto info = e.containerizer->info("web-1");
  REQUIRE(status);
  REQUIRE(info);
  CHECK(*status == info->status);
  CHECK(e.containerizer->status("web-2").error().kind == ErrorKind::ContainerNotFound);
}
