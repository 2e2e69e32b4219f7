#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bundler/base_rule.hpp"
#include "bundler/capabilities.hpp"
#include "bundler/privileged_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

namespace {

Bundle base_bundle() {
  auto bundle = BaseRule{}.apply(Bundle{}, DesiredSpec{});
  REQUIRE(bundle);
  return *bundle;
}

Bundle with_privileged(bool privileged) {
  DesiredSpec spec;
  spec.privileged = privileged;
  auto bundle = PrivilegedRule{all_capabilities()}.apply(base_bundle(), spec);
  REQUIRE(bundle);
  return *bundle;
}

Strings options_at(const Bundle& bundle, const std::string& destination) {
  for (const auto& m : bundle.mounts) {
    if (m.destination == destination) return m.options;
  }
  FAIL("no mount at " << destination);
  return {};
}

}  // namespace

TEST_CASE("an unprivileged container is left exactly as it was") {
  Bundle bundle = with_privileged(false);
  Bundle base = base_bundle();
  CHECK(bundle.process.capabilities.bounding == base.process.capabilities.bounding);
  CHECK(bundle.process.no_new_privileges);
  CHECK(bundle.linux_.masked_paths == base.linux_.masked_paths);
  CHECK(bundle.linux_.readonly_paths == base.linux_.readonly_paths);
  CHECK(bundle.linux_.resources.devices.size() == base.linux_.resources.devices.size());
  CHECK(options_at(bundle, "/sys") == Strings{"nosuid", "noexec", "nodev", "ro"});
}

TEST_CASE("privileged gets the whole capability set it was given") {
  Bundle bundle = with_privileged(true);
  const auto& caps = bundle.process.capabilities;
  CHECK(caps.bounding.size() == 41);
  CHECK(caps.bounding.front() == "CAP_CHOWN");
  CHECK(caps.bounding.back() == "CAP_CHECKPOINT_RESTORE");
  CHECK(std::ranges::count(caps.bounding, "CAP_SYS_ADMIN") == 1);
  CHECK(caps.effective == caps.bounding);
  CHECK(caps.permitted == caps.bounding);
  CHECK_FALSE(bundle.process.no_new_privileges);
}

TEST_CASE("privileged clears masked and read-only paths and allows all devices") {
  Bundle bundle = with_privileged(true);
  CHECK(bundle.linux_.masked_paths.empty());
  CHECK(bundle.linux_.readonly_paths.empty());
  const auto& devices = bundle.linux_.resources.devices;
  REQUIRE(devices.size() == 1);
  CHECK(devices[0].allow);
  CHECK(devices[0].type == "a");
  CHECK_FALSE(devices[0].major);
  CHECK(devices[0].access == "rwm");
}

TEST_CASE("privileged makes /sys and /sys/fs/cgroup writable, nothing else changes") {
  Bundle bundle = with_privileged(true);
  CHECK(options_at(bundle, "/sys") == Strings{"nosuid", "noexec", "nodev"});
  CHECK(options_at(bundle, "/sys/fs/cgroup") == Strings{"nosuid", "noexec", "nodev", "relatime"});
  CHECK(options_at(bundle, "/dev/shm") == options_at(base_bundle(), "/dev/shm"));
  CHECK(bundle.mounts.size() == base_bundle().mounts.size());
}

TEST_CASE("privileged gives exactly the capabilities the rule was built with") {
  DesiredSpec spec;
  spec.privileged = true;
  auto bundle = PrivilegedRule{{"CAP_KILL", "CAP_SYS_ADMIN"}}.apply(base_bundle(), spec);
  REQUIRE(bundle);
  CHECK(bundle->process.capabilities.bounding == Strings{"CAP_KILL", "CAP_SYS_ADMIN"});
  CHECK(bundle->process.capabilities.permitted == Strings{"CAP_KILL", "CAP_SYS_ADMIN"});
  CHECK(bundle->process.capabilities.inheritable == Strings{"CAP_KILL", "CAP_SYS_ADMIN"});
}
