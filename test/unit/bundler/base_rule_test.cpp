#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bundler/base_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

namespace {

Bundle base() {
  auto bundle = BaseRule{}.apply(Bundle{}, DesiredSpec{});
  REQUIRE(bundle);
  return *bundle;
}

const oci::Mount& mount_at(const Bundle& bundle, const std::string& destination) {
  auto it = std::find_if(bundle.mounts.begin(), bundle.mounts.end(),
                         [&](const oci::Mount& m) { return m.destination == destination; });
  REQUIRE(it != bundle.mounts.end());
  return *it;
}

}  // namespace

TEST_CASE("base rule creates new mount, uts, ipc, pid and network namespaces") {
  Bundle bundle = base();
  Strings types;
  for (const auto& ns : bundle.linux_.namespaces) {
    types.push_back(ns.type);
    CHECK(ns.path.empty());
  }
  CHECK(types == Strings{"mount", "uts", "ipc", "pid", "network"});
}

TEST_CASE("base rule mounts the kernel filesystems in order with their options") {
  Bundle bundle = base();
  Strings destinations;
  for (const auto& m : bundle.mounts) destinations.push_back(m.destination);
  CHECK(destinations == Strings{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                "/sys/fs/cgroup"});
  CHECK(mount_at(bundle, "/proc").type == "proc");
  CHECK(mount_at(bundle, "/dev").type == "tmpfs");
  CHECK(mount_at(bundle, "/dev").options ==
        Strings{"nosuid", "strictatime", "mode=755", "size=65536k"});
  CHECK(mount_at(bundle, "/dev/pts").options ==
        Strings{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
  CHECK(mount_at(bundle, "/dev/shm").options ==
        Strings{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"});
  CHECK(mount_at(bundle, "/dev/mqueue").type == "mqueue");
  CHECK(mount_at(bundle, "/sys").options == Strings{"nosuid", "noexec", "nodev", "ro"});
  CHECK(mount_at(bundle, "/sys/fs/cgroup").type == "cgroup");
  CHECK(mount_at(bundle, "/sys/fs/cgroup").options ==
        Strings{"nosuid", "noexec", "nodev", "relatime", "ro"});
}

TEST_CASE("base rule gives Docker's default capabilities and no new privileges") {
  Bundle bundle = base();
  const auto& caps = bundle.process.capabilities;
  CHECK(caps.bounding.size() == 14);
  CHECK(caps.effective == caps.bounding);
  CHECK(caps.permitted == caps.bounding);
  CHECK(caps.inheritable == caps.bounding);
  CHECK(caps.ambient.empty());
  CHECK(std::ranges::count(caps.bounding, "CAP_NET_BIND_SERVICE") == 1);
  CHECK(std::ranges::count(caps.bounding, "CAP_SYS_ADMIN") == 0);
  CHECK(bundle.process.no_new_privileges);
  CHECK(bundle.process.cwd == "/");
  CHECK(bundle.process.user.uid == 0);
  CHECK(bundle.process.user.gid == 0);
}

TEST_CASE("base rule masks Docker's paths and makes /proc/sys read-only") {
  Bundle bundle = base();
  CHECK(bundle.linux_.masked_paths.size() == 11);
  CHECK(std::ranges::count(bundle.linux_.masked_paths, "/proc/kcore") == 1);
  CHECK(std::ranges::count(bundle.linux_.masked_paths, "/sys/devices/virtual/powercap") == 1);
  CHECK(bundle.linux_.readonly_paths ==
        Strings{"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});
}

TEST_CASE("base rule denies all devices, then allows the standard character devices") {
  const auto& devices = base().linux_.resources.devices;
  REQUIRE(devices.size() == 10);
  CHECK_FALSE(devices[0].allow);
  CHECK(devices[0].type == "a");
  CHECK_FALSE(devices[0].major);
  CHECK(devices[0].access == "rwm");
  std::vector<std::pair<int64_t, int64_t>> allowed;
  for (std::size_t i = 1; i < 9; ++i) {
    CHECK(devices[i].allow);
    CHECK(devices[i].type == "c");
    allowed.emplace_back(*devices[i].major, *devices[i].minor);
  }
  CHECK(allowed == std::vector<std::pair<int64_t, int64_t>>{
                       {1, 3}, {1, 5}, {1, 7}, {1, 8}, {1, 9}, {5, 0}, {5, 1}, {5, 2}});
  CHECK(devices[9].major == 136);
  CHECK_FALSE(devices[9].minor);
  CHECK(devices[9].access == "rwm");
}
