// dmc create / list / info / destroy on the real runtime, as a user sees them.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string read_or_empty(const std::string& path) { return read_file(path).value_or(""); }

// A private copy of the built-in rootfs, so a test can check it is untouched.
std::string copy_of_default_rootfs(const TempDir& dir) {
  auto r = run({"cp", "-a", DMC_DEFAULT_ROOTFS, dir / "image"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  return dir / "image";
}

}  // namespace

TEST_CASE("a created container runs dmc's init as its pid 1") {
  DmcEnv env;
  auto h = env.create();
  int pid = env.init_pid(h);
  CHECK(process_alive(pid));
  auto cmdline = env.exec(h, {"/bin/cat", "/proc/1/cmdline"});
  CHECK(cmdline.code == 0);
  CHECK(cmdline.out == std::string("/dev/dmc-init\0", 14));
  auto status = read_or_empty("/proc/" + std::to_string(pid) + "/status");
  CHECK(status.find("NSpid:\t" + std::to_string(pid) + "\t1\n") != std::string::npos);
  auto hostname = env.exec(h, {"/bin/hostname"});
  CHECK(hostname.out == h + "\n");
}

TEST_CASE("a handle longer than 49 characters gives its last 49 as the hostname") {
  DmcEnv env;
  // 51 + 1 + 8 = 60 characters; the hostname is where generated ids differ.
  auto h = env.handle(std::string(51, 'h'));
  REQUIRE(h.size() == 60);
  REQUIRE(env.dmc({"create", "--handle", h}).code == 0);
  auto hostname = env.exec(h, {"/bin/hostname"});
  CHECK(hostname.code == 0);
  CHECK(hostname.out == h.substr(11) + "\n");
}

TEST_CASE("orphans made inside a container are reaped by its init") {
  DmcEnv env;
  auto h = env.create();
  // Each subshell starts a child and exits at once: the child is orphaned
  // to pid 1 and, when it exits, must not stay a zombie.
  auto r = env.exec(h, {"/bin/sh", "-c", "for i in 1 2 3 4 5; do (sleep 0.1 &); done"});
  REQUIRE(r.code == 0);
  CHECK(eventually([&] {
    auto out = env.exec(h, {"/bin/sh", "-c", "ps -o stat= | grep -c Z || true"});
    return out.out == "0\n";
  }));
  CHECK(zombies_in_cgroup("/dmc/" + h).empty());
}

TEST_CASE("writes in a container never reach the rootfs directory") {
  DmcEnv env;
  TempDir images;
  auto image = copy_of_default_rootfs(images);
  auto h = env.create({"--rootfs", image});
  auto r = env.exec(h, {"/bin/sh", "-c", "echo hi > /new-file && rm /etc/passwd && echo x >> /etc/group"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  CHECK(env.exec(h, {"/bin/cat", "/new-file"}).out == "hi\n");
  CHECK_FALSE(path_exists(image + "/new-file"));
  CHECK(path_exists(image + "/etc/passwd"));
  CHECK(read_or_empty(image + "/etc/group") == read_or_empty(std::string(DMC_DEFAULT_ROOTFS) + "/etc/group"));
}

TEST_CASE("two containers from one rootfs do not see each other's files") {
  DmcEnv env;
  auto a = env.create();
  auto b = env.create();
  REQUIRE(env.exec(a, {"/bin/sh", "-c", "echo a > /tmp/mine"}).code == 0);
  CHECK(env.exec(b, {"/bin/sh", "-c", "test -e /tmp/mine"}).code == 1);
  CHECK(env.exec(a, {"/bin/cat", "/tmp/mine"}).out == "a\n");
}

TEST_CASE("limits given at create appear in the container's cgroup files") {
  DmcEnv env;
  auto h = env.create({"--memory", "64M", "--cpu-shares", "512", "--pids", "50"});
  CHECK(cgroup_file("memory", h, "memory.limit_in_bytes") == "67108864\n");
  CHECK(cgroup_file("memory", h, "memory.memsw.limit_in_bytes") == "67108864\n");
  CHECK(cgroup_file("cpu", h, "cpu.shares") == "512\n");
  CHECK(cgroup_file("pids", h, "pids.max") == "50\n");
  auto info = env.dmc({"info", h});
  REQUIRE(info.code == 0);
  auto doc = json::parse(info.out, "info");
  REQUIRE(doc);
  const auto& limits = (*doc)["limits"];
  CHECK(limits["memory_bytes"].GetUint64() == 67108864u);
  CHECK(limits["cpu_shares"].GetUint64() == 512u);
  CHECK(limits["pids_max"].GetInt64() == 50);
}

TEST_CASE("env and bind mounts reach the container") {
  DmcEnv env;
  TempDir shared;
  write_text(shared / "hello", "from the host\n");
  auto h = env.create({"--env", "GREETING=a,b=c", "--bind-mount", shared.path() + ":/mnt/shared:ro"});
  CHECK(env.exec(h, {"/bin/sh", "-c", "echo $GREETING"}).out == "a,b=c\n");
  CHECK(env.exec(h, {"/bin/cat", "/mnt/shared/hello"}).out == "from the host\n");
  CHECK(env.exec(h, {"/bin/sh", "-c", "echo x > /mnt/shared/new"}).code != 0);
  CHECK_FALSE(path_exists(shared / "new"));
}

TEST_CASE("destroy leaves no mount, cgroup, process, runtime state or depot dir") {
  DmcEnv env;
  auto h = env.create({"--memory", "32M"});
  int pid = env.init_pid(h);
  REQUIRE(env.exec(h, {"/bin/sh", "-c", "sleep 1000 > /dev/null 2>&1 &"}).code == 0);
  REQUIRE_FALSE(mounts_under(env.depot() + "/" + h).empty());
  REQUIRE_FALSE(cgroup_dirs("/dmc/" + h).empty());

  auto r = env.dmc({"destroy", h});
  CHECK(r.code == 0);
  CHECK(r.out == h + "\n");
  CHECK(r.err == "");
  CHECK(mounts_under(env.depot() + "/" + h).empty());
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK_FALSE(process_alive(pid));
  CHECK_FALSE(path_exists(env.state_root() + "/" + h));
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(env.dmc({"list"}).out == "");
  auto again = env.dmc({"info", h});
  CHECK(again.code == 1);
  CHECK(again.err == "dmc: unknown handle: " + h + "\n");
}

TEST_CASE("destroy finishes the job when the init was already killed") {
  DmcEnv env;
  auto h = env.create();
  int pid = env.init_pid(h);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(pid); }));
  CHECK(env.dmc({"destroy", h}).code == 0);
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK_FALSE(path_exists(env.state_root() + "/" + h));
}

TEST_CASE("list shows every container and filters by properties") {
  DmcEnv env;
  auto a = env.create({"--property", "owner=ci", "--property", "team=x"});
  auto b = env.create({"--property", "owner=ci"});
  auto c = env.create();
  auto all = env.dmc({"list"});
  CHECK(all.code == 0);
  std::vector<std::string> sorted = {a, b, c};
  std::sort(sorted.begin(), sorted.end());
  CHECK(all.out == sorted[0] + "\n" + sorted[1] + "\n" + sorted[2] + "\n");
  auto ci = env.dmc({"list", "--property", "owner=ci", "--property", "team=x"});
  CHECK(ci.out == a + "\n");
  auto json = env.dmc({"list", "--json", "--property", "owner=ci"});
  auto doc = json::parse(json.out, "list");
  REQUIRE(doc);
  REQUIRE(doc->IsArray());
  CHECK(doc->Size() == 2);
  CHECK(std::string((*doc)[0]["state"].GetString()) == "running");
}

TEST_CASE("info shows state, paths and properties") {
  DmcEnv env;
  auto h = env.create({"--property", "k=v"});
  auto r = env.dmc({"info", h});
  REQUIRE(r.code == 0);
  auto doc = json::parse(r.out, "info");
  REQUIRE(doc);
  CHECK(std::string((*doc)["handle"].GetString()) == h);
  CHECK(std::string((*doc)["state"].GetString()) == "running");
  CHECK((*doc)["init_pid"].GetInt() == env.init_pid(h));
  CHECK(std::string((*doc)["rootfs_path"].GetString()) == env.depot() + "/" + h + "/rootfs");
  CHECK(std::string((*doc)["bundle_path"].GetString()) == env.depot() + "/" + h);
  CHECK(std::string((*doc)["properties"]["k"].GetString()) == "v");
}
