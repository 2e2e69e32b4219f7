// The container a Garden client expects (garden-protocol.md section 11), as
// its processes see it: capabilities, mounts, devices, one init.
#include <doctest/doctest.h>

#include <sstream>

#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string in_container(DmcEnv& env, const std::string& handle, const std::string& script,
                         const std::string& user = "") {
  std::vector<std::string> args = {"run", handle};
  if (!user.empty()) args.insert(args.end(), {"--user", user});
  args.insert(args.end(), {"--", "/bin/sh", "-c", script});
  auto r = env.dmc(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return r.out;
}

}  // namespace

TEST_CASE("root in a container holds Garden's capabilities in every set but the ambient one") {
  DmcEnv env;
  std::string h = env.create();
  CHECK(in_container(env, h, "grep ^Cap /proc/self/status") ==
        "CapInh:\t00000000a80425fb\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
        "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n");
}

TEST_CASE("a non-root user keeps the inheritable and bounding sets only") {
  DmcEnv env;
  std::string h = env.create();
  CHECK(in_container(env, h, "grep ^Cap /proc/self/status", "1000:1000") ==
        "CapInh:\t00000000a80425fb\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\n"
        "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000000\n");
}

TEST_CASE("a non-root user's ps sees the init, its process and ps: one init, no shim") {
  DmcEnv env;
  std::string h = env.create();
  // The shell stays (a last command would be exec'd): it is the process.
  std::string out = in_container(env, h, "ps -a; :", "1000:1000");
  CHECK(std::count(out.begin(), out.end(), '\n') == 4);
}

TEST_CASE("/dev/shm, /dev/pts and /sys are mounted as Garden clients expect") {
  DmcEnv env;
  std::string h = env.create();
  std::string mounts = in_container(env, h, "cat /proc/mounts");
  CHECK(mounts.find("shm /dev/shm tmpfs rw,nosuid,nodev,noexec") != std::string::npos);
  CHECK(mounts.find("/dev/pts devpts rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666") !=
        std::string::npos);
  CHECK(mounts.find("sysfs /sys sysfs ro,") != std::string::npos);
  // 58 MiB fit in /dev/shm (GATS writes them as a memory-limit test).
  CHECK(in_container(env, h, "dd if=/dev/zero of=/dev/shm/f bs=1M count=58 2>/dev/null && "
                             "echo ok; rm -f /dev/shm/f") == "ok\n");
  CHECK(in_container(env, h, "stat -c %a /dev/shm /tmp") == "1777\n1777\n");
  CHECK(in_container(env, h, "touch /root/x && echo ok") == "ok\n");
}

TEST_CASE("the devices and /dev links a Garden client expects are there") {
  DmcEnv env;
  std::string h = env.create();
  CHECK(in_container(env, h,
                     "for d in tty random urandom null zero full pts/ptmx; do "
                     "stat -c '%n %t,%T' /dev/$d; done") ==
        "/dev/tty 5,0\n/dev/random 1,8\n/dev/urandom 1,9\n/dev/null 1,3\n/dev/zero 1,5\n"
        "/dev/full 1,7\n/dev/pts/ptmx 5,2\n");
  CHECK(in_container(env, h, "for l in fd stdin stdout stderr; do readlink /dev/$l; done") ==
        "/proc/self/fd\n/proc/self/fd/0\n/proc/self/fd/1\n/proc/self/fd/2\n");
}

TEST_CASE("a process joins the container's cpu, cpuacct, cpuset, devices and memory cgroups") {
  DmcEnv env;
  std::string h = env.create();
  std::string cgroups = in_container(env, h, "cat /proc/self/cgroup");
  for (const char* controller : {":cpu:", ":cpuacct:", ":cpuset:", ":devices:", ":memory:"}) {
    CAPTURE(controller);
    CHECK(cgroups.find(std::string(controller) + "/dmc/" + h + "\n") != std::string::npos);
  }
}
