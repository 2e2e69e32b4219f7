// dmc pod: pod-controller's specs on the real runtime. Init containers one
// after another and a failing one, pod-controller's README example, exec
// probes through a pod's containers, a pod supervisor killed with -9 during
// an init container, nothing left after down, and bad input.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

struct Pods {
  DmcEnv env;
  std::string pod = env.handle("pod");

  std::string write_spec(const std::string& text, const std::string& file = "spec.json") {
    std::string path = env.temp().path() + "/" + file;
    std::ofstream(path) << text;
    return path;
  }
  RunOutput up(const std::string& text) {
    return env.dmc({"pod", "up", write_spec(text), "--name", pod});
  }
  rapidjson::Document status() {
    auto out = env.dmc({"pod", "status", pod, "--json"});
    REQUIRE(out.code == 0);
    rapidjson::Document doc;
    doc.Parse(out.out.c_str());
    REQUIRE(doc.IsObject());
    return doc;
  }
  // A container's entry in the pod's status.
  rapidjson::Document container(const std::string& name) {
    auto all = status();
    rapidjson::Document one;
    for (auto& c : all["containers"].GetArray()) {
      if (std::string(c["name"].GetString()) == name) one.CopyFrom(c, one.GetAllocator());
    }
    REQUIRE(one.IsObject());
    return one;
  }
  std::string state(const std::string& name) { return container(name)["state"].GetString(); }
  std::string at(const std::string& name, const std::string& path) const {
    return env.depot() + "/" + pod + "-" + name + "/rootfs" + path;
  }
  std::string pod_dir() const { return env.depot() + "/.pods/" + pod; }
  int healthy() { return env.dmc({"pod", "healthy", pod}).code; }

  // down, then nothing of the pod is left on the machine.
  void down_leaves_nothing(const std::vector<std::string>& names) {
    REQUIRE(env.dmc({"pod", "down", pod}).code == 0);
    CHECK(env.dmc({"list"}).out.empty());
    for (const auto& name : names) CHECK(cgroup_dirs("/dmc/" + pod + "-" + name).empty());
    CHECK(mounts_under(env.depot()).empty());
    CHECK(!path_exists(pod_dir()));
    CHECK(env.dmc({"pod", "ls"}).out.empty());
  }
};

// An RFC 3339 time of the status; all are UTC with nine digits of
// fraction, so that their order as strings is their order in time.
std::string time_of(const rapidjson::Value& c, const char* key) {
  REQUIRE(c[key].IsString());
  return c[key].GetString();
}

// Counts occurrences of needle in text.
size_t count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A bounded poll longer than eventually's: a restart waits out a backoff.
template <class F>
bool within_a_minute(F cond) {
  for (int i = 0; i < 600; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return cond();
}

constexpr const char* kOrdered = R"({
  "initContainers": [
    {"name": "one", "process": {"args": ["/bin/sh", "-c", "sleep 1"]}},
    {"name": "two", "process": {"args": ["/bin/true"]}}
  ],
  "containers": [{"name": "web", "process": {"args": ["/bin/sleep", "1000"]}}]
})";

}  // namespace

TEST_CASE_FIXTURE(Pods, "init containers run one after another, then the main one, and down leaves nothing") {
  REQUIRE(up(kOrdered).code == 0);
  auto s = status();
  CHECK(std::string(s["phase"].GetString()) == "running");
  CHECK(s["healthy"].GetBool());
  auto one = container("one");
  auto two = container("two");
  CHECK(std::string(one["state"].GetString()) == "finished");
  CHECK(one["exit_status"].GetInt() == 0);
  CHECK(std::string(two["state"].GetString()) == "finished");
  CHECK(time_of(two, "started_at") >= time_of(one, "finished_at"));
  CHECK(time_of(container("web"), "started_at") >= time_of(two, "finished_at"));
  CHECK(state("web") == "ready");
  CHECK(healthy() == 0);
  // The init containers are gone; the main one runs, tagged with the pod.
  CHECK(env.dmc({"list"}).out == pod + "-web\n");
  CHECK(env.dmc({"list", "--property", "pod=" + pod}).out == pod + "-web\n");
  auto events = env.dmc({"events"}).out;
  CHECK(count(events, "action=init-exited") == 2);
  CHECK(count(events, "action=running") == 1);
  down_leaves_nothing({"one", "two", "web"});
}

TEST_CASE_FIXTURE(Pods, "a failing init container fails the pod: unhealthy, the error in its status, no main container") {
  auto out = up(R"({"initContainers": [{"name": "boom", "process": {"args": ["/bin/sh", "-c", "exit 3"]}},
                                        {"name": "after", "process": {"args": ["/bin/true"]}}],
                    "containers": [{"name": "web", "process": {"args": ["/bin/sleep", "1000"]}}]})");
  CHECK(out.code == 1);
  CHECK(out.err == "dmc: pod '" + pod + "' failed: init container 'boom' exited with status 3\n");
  auto s = status();
  CHECK(std::string(s["phase"].GetString()) == "failed");
  CHECK(!s["healthy"].GetBool());
  CHECK(std::string(s["error"].GetString()) == "init container 'boom' exited with status 3");
  CHECK(state("boom") == "failed");
  CHECK(container("boom")["exit_status"].GetInt() == 3);
  CHECK(state("after") == "waiting");
  CHECK(state("web") == "waiting");
  CHECK(healthy() == 1);
  CHECK(env.dmc({"list"}).out.empty());
  down_leaves_nothing({"boom", "after", "web"});
}

TEST_CASE_FIXTURE(Pods, "restartPolicy OnFailure: a container that exits 0 is finished and healthy, one that fails is restarted") {
  REQUIRE(up(R"({"restartPolicy": "OnFailure",
                 "containers": [{"name": "job", "process": {"args": ["/bin/true"]}},
                                {"name": "web", "process": {"args": ["/bin/sleep", "1000"]}}]})").code == 0);
  REQUIRE(eventually([&] { return state("job") == "finished"; }));
  CHECK(container("job")["exit_status"].GetInt() == 0);
  CHECK(container("job")["restarts"].GetUint() == 0);
  REQUIRE(eventually([&] { return healthy() == 0; }));
  down_leaves_nothing({"job", "web"});
}

TEST_CASE_FIXTURE(Pods, "pod-controller's README example loads as pasted and comes up") {
  auto text = read_file(std::string(DMC_TEST_FIXTURES) + "/supervisor/pod-controller-readme.json");
  REQUIRE(text);
  REQUIRE(up(*text).code == 0);  // its nameless init container sleeps 10 s first
  CHECK(state("init-0") == "finished");
  REQUIRE(eventually([&] { return state("main") == "ready" && state("sidecar") == "ready"; }));
  CHECK(healthy() == 0);
  down_leaves_nothing({"init-0", "main", "sidecar"});
}

TEST_CASE_FIXTURE(Pods, "exec probes through a pod: liveness restarts, readiness only unreadies, none is healthy") {
  REQUIRE(up(R"({"containers": [
    {"name": "live", "process": {"args": ["/bin/sh", "-c", "touch /tmp/healthy && exec sleep 1000"]},
     "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "periodSeconds": 1, "failureThreshold": 2}},
    {"name": "ready", "process": {"args": ["/bin/sh", "-c", "touch /tmp/ready && exec sleep 1001"]},
     "readinessProbe": {"exec": ["cat", "/tmp/ready"], "periodSeconds": 1, "failureThreshold": 1}},
    {"name": "plain", "process": {"args": ["/bin/sleep", "1002"]}}
  ]})").code == 0);
  REQUIRE(eventually([&] { return state("live") == "ready" && state("ready") == "ready"; }));
  CHECK(state("plain") == "ready");
  CHECK(healthy() == 0);
  // Liveness: the process is restarted once the file is gone (and makes it again).
  REQUIRE(env.exec(pod + "-live", {"rm", "/tmp/healthy"}).code == 0);
  REQUIRE(within_a_minute([&] { return container("live")["restarts"].GetUint() >= 1; }));
  REQUIRE(within_a_minute([&] { return state("live") == "ready"; }));
  CHECK(container("live")["restarts"].GetUint() == 1);
  // Readiness: not ready, not restarted.
  REQUIRE(env.exec(pod + "-ready", {"rm", "/tmp/ready"}).code == 0);
  REQUIRE(eventually([&] { return state("ready") == "failing"; }));
  auto ready = container("ready");
  CHECK(std::string(ready["probe_errors"]["readiness"].GetString()) != "");
  CHECK(ready["restarts"].GetUint() == 0);
  CHECK(healthy() == 1);
  REQUIRE(env.exec(pod + "-ready", {"touch", "/tmp/ready"}).code == 0);
  REQUIRE(eventually([&] { return state("ready") == "ready"; }));
  CHECK(healthy() == 0);
  CHECK(container("ready")["restarts"].GetUint() == 0);
  down_leaves_nothing({"live", "ready", "plain"});
}

TEST_CASE_FIXTURE(Pods, "a pod supervisor killed with -9 during an init container: status brings it back, the init runs once") {
  std::string spec = write_spec(R"({"initContainers": [{"name": "slow", "process": {"args": ["/bin/sleep", "3"]}}],
                                    "containers": [{"name": "web", "process": {"args": ["/bin/sleep", "1000"]}}]})");
  // The client goes too (killed after a second), so that only status can bring the supervisor back.
  auto argv = env.dmc_argv({"pod", "up", spec, "--name", pod});
  argv.insert(argv.begin(), {"timeout", "-s", "KILL", "1"});
  auto client = run(argv);
  REQUIRE(client.code == 137);
  REQUIRE(eventually([&] { return state("slow") == "running"; }));
  auto pid_text = read_file(pod_dir() + "/supervisor.pid");
  REQUIRE(pid_text);
  int first = std::stoi(*pid_text);
  REQUIRE(::kill(first, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(first); }));
  REQUIRE(within_a_minute([&] { return std::string(status()["phase"].GetString()) == "running"; }));
  CHECK(state("slow") == "finished");
  CHECK(healthy() == 0);
  auto events = env.dmc({"events", pod + "-slow"}).out;
  CHECK(count(events, "start-process") == 1);
  CHECK(count(events, "action=init-exited") == 1);
  down_leaves_nothing({"slow", "web"});
}

TEST_CASE_FIXTURE(Pods, "pods: bad input gets one line and changes nothing") {
  auto unknown = env.dmc({"pod", "status", "nope"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err == "dmc: pod 'nope' not found\n");
  CHECK(env.dmc({"pod", "healthy", "nope"}).code == 1);
  CHECK(env.dmc({"pod", "down", "nope"}).code == 1);
  auto missing = env.dmc({"pod", "up", env.temp().path() + "/none.json"});
  CHECK(missing.code == 1);
  CHECK(count(missing.err, "\n") == 1);
  auto garbage = up("{\"containers\": [");
  CHECK(garbage.code == 1);
  CHECK(count(garbage.err, "\n") == 1);
  auto bad_name = env.dmc({"pod", "up", write_spec(kOrdered), "--name", "../x"});
  CHECK(bad_name.code == 1);
  CHECK(count(bad_name.err, "\n") == 1);
  CHECK(env.dmc({"pod", "ls"}).out.empty());
  REQUIRE(up(kOrdered).code == 0);
  auto twice = up(kOrdered);
  CHECK(twice.code == 1);
  CHECK(twice.err == "dmc: pod '" + pod + "' already exists\n");
  CHECK(env.dmc({"pod", "ls"}).out == pod + "\n");
  CHECK(env.dmc({"list"}).out == pod + "-web\n");
  CHECK(healthy() == 0);
  down_leaves_nothing({"web"});
}
