// dmc limit / metrics / property and OOM events on the real runtime.
#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

json::Document parsed(const RunOutput& r) {
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto doc = json::parse(r.out, "output");
  REQUIRE(doc);
  return std::move(*doc);
}

uint64_t at(const json::Document& doc, const char* object, const char* key) {
  const auto& v = doc[object][key];
  REQUIRE(v.IsUint64());
  return v.GetUint64();
}

}  // namespace

TEST_CASE("a live limit change shows in the cgroup files and in dmc limit") {
  DmcEnv env;
  auto h = env.create({"--memory", "32M", "--pids", "50"});
  auto before = parsed(env.dmc({"limit", h}));
  CHECK(before["limits"]["memory_bytes"].GetUint64() == 32u << 20);
  CHECK(before["limits"]["pids_max"].GetInt64() == 50);

  auto changed = env.dmc({"limit", h, "--memory", "64M", "--cpu-shares", "512", "--pids", "100"});
  CHECK(changed.code == 0);
  CHECK(changed.err == "");
  CHECK(cgroup_file("memory", h, "memory.limit_in_bytes") == "67108864\n");
  CHECK(cgroup_file("memory", h, "memory.memsw.limit_in_bytes") == "67108864\n");
  CHECK(cgroup_file("cpu", h, "cpu.shares") == "512\n");
  CHECK(cgroup_file("pids", h, "pids.max") == "100\n");
  auto after = parsed(env.dmc({"limit", h}));
  CHECK(after["limits"]["memory_bytes"].GetUint64() == 64u << 20);
  CHECK(after["limits"]["cpu_shares"].GetUint64() == 512u);
  CHECK(after["limits"]["pids_max"].GetInt64() == 100);
  auto info = parsed(env.dmc({"info", h}));
  CHECK(info["limits"]["memory_bytes"].GetUint64() == 64u << 20);
}

TEST_CASE("a bad limit change is refused and changes nothing") {
  DmcEnv env;
  auto h = env.create({"--memory", "32M"});
  auto r = env.dmc({"limit", h, "--cpu-shares", "1"});
  CHECK(r.code == 2);
  CHECK(r.err == "dmc: invalid cpu shares '1': must be from 2 to 262144\n");
  // The containerizer's range, checked before anything: a bad value, as
  // --cpu-shares 1 is.
  auto tiny = env.dmc({"limit", h, "--memory", "1k"});
  CHECK(tiny.code == 2);
  CHECK(tiny.err == "dmc: invalid memory limit '1024': must be from 6291456 to "
                    "9223372036854775807\n");
  CHECK(cgroup_file("memory", h, "memory.limit_in_bytes") == "33554432\n");
}

TEST_CASE("a process allocating past the memory limit is killed and the OOM event appears") {
  DmcEnv env;
  auto h = env.create({"--memory", "32M"});
  CHECK(parsed(env.dmc({"info", h}))["events"].Size() == 0);
  auto r = env.dmc({"run", h, "--", "/bin/sh", "-c",
                    "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}"});
  CHECK(r.code == 137);
  auto info = parsed(env.dmc({"info", h}));
  REQUIRE(info["events"].Size() == 1);
  CHECK(std::string(info["events"][0].GetString()) == "out of memory");
}

TEST_CASE("the pids limit stops a fork loop") {
  DmcEnv env;
  auto h = env.create({"--pids", "20"});
  // Each try forks a subshell that forks a sleeper; count the tries that worked.
  auto r = env.dmc({"run", h, "--", "/bin/sh", "-c",
                    "n=0; for i in $(seq 50); do (sleep 5 &) 2>/dev/null && n=$((n+1)); done; "
                    "echo $n"});
  CHECK(r.code == 0);
  CHECK(std::stoi(r.out) < 20);
  CHECK(std::stoi(cgroup_file("pids", h, "pids.current")) <= 20);
  CHECK(std::stoi(cgroup_file("pids", h, "pids.events").substr(4)) > 0);  // "max N": forks refused
}

TEST_CASE("metrics move when a process burns cpu and holds memory") {
  DmcEnv env;
  auto h = env.create();
  auto idle = parsed(env.dmc({"metrics", h, "--json"}));
  CHECK(at(idle, "pids", "current") == 1);  // the init
  CHECK(idle["age_ns"].GetInt64() > 0);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "hog", "--", "/bin/sh", "-c",
                   "x=$(head -c 20000000 /dev/zero | tr '\\0' a); i=0; "
                   "while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 1000"}).code == 0);
  REQUIRE(eventually([&] {
    auto busy = parsed(env.dmc({"metrics", h, "--json"}));
    return at(busy, "cpu", "usage_ns") > at(idle, "cpu", "usage_ns") + 100'000'000 &&
           at(busy, "memory", "usage") > at(idle, "memory", "usage") + (10u << 20);
  }));
  auto busy = parsed(env.dmc({"metrics", h, "--json"}));
  CHECK(at(busy, "pids", "current") >= 2);
  CHECK(at(busy, "memory", "total_usage_toward_limit") > 0);
  CHECK(at(busy, "cpu", "user_ns") > 0);
}

TEST_CASE("properties are set, read, listed, filtered and removed") {
  DmcEnv env;
  auto h = env.create({"--property", "owner=ci"});
  CHECK(env.dmc({"property", h, "team=a=b"}).code == 0);
  CHECK(env.dmc({"property", h, "team"}).out == "a=b\n");
  auto all = parsed(env.dmc({"property", h}));
  CHECK(std::string(all["properties"]["owner"].GetString()) == "ci");
  CHECK(std::string(all["properties"]["team"].GetString()) == "a=b");
  CHECK(env.dmc({"list", "--property", "team=a=b"}).out == h + "\n");

  auto missing = env.dmc({"property", h, "nope"});
  CHECK(missing.code == 1);
  CHECK(missing.out == "");
  CHECK(missing.err == "dmc: property does not exist: nope\n");

  CHECK(env.dmc({"property", h, "--remove", "team"}).code == 0);
  CHECK(env.dmc({"property", h, "--remove", "team"}).code == 0);  // missing is fine
  CHECK(env.dmc({"property", h, "team"}).code == 1);
  CHECK(env.dmc({"list", "--property", "team=a=b"}).out == "");
  auto on_disk = json::parse_file(env.depot() + "/" + h + "/properties.json");
  REQUIRE(on_disk);
  CHECK(on_disk->MemberCount() == 1);
}
