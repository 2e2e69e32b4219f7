// dmc service: supervised processes on the real runtime. Restart policies
// and backoff, the real exit status, STOP / START / QUIT over the control
// socket from inside the container (the whole process tree, START during
// STOP's grace), kubecf's sentinel files, a supervisor killed with -9, and
// nothing left after rm and destroy.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

constexpr const char* kSocket = "/var/vcap/data/job/proc_containerrun.sock";
constexpr const char* kSentinel = "/var/vcap/data/job/proc_containerrun.running";
constexpr const char* kPidFile = "/var/vcap/data/job/proc.pid";

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

struct Services {
  DmcEnv env;
  std::string h = env.create();

  std::string at(const std::string& path) const { return env.depot() + "/" + h + "/rootfs" + path; }

  RunOutput add(const std::string& name, std::vector<std::string> options,
                std::vector<std::string> command) {
    std::vector<std::string> args = {"service", "add", h, name};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    return env.dmc(args);
  }

  // The service's entry of `dmc service ls --json`, as a document.
  rapidjson::Document status(const std::string& name) {
    auto out = env.dmc({"service", "ls", h, "--json"});
    REQUIRE(out.code == 0);
    rapidjson::Document all;
    all.Parse(out.out.c_str());
    REQUIRE(all.IsArray());
    rapidjson::Document one;
    for (auto& entry : all.GetArray()) {
      if (std::string(entry["name"].GetString()) == name) one.CopyFrom(entry, one.GetAllocator());
    }
    REQUIRE(one.IsObject());
    return one;
  }
  std::string state(const std::string& name) { return status(name)["state"].GetString(); }

  // `ps` in the container: how many processes run `pattern`.
  int count(const std::string& pattern) {
    auto ps = env.exec(h, {"ps", "-o", "args"});
    int n = 0;
    size_t at = 0;
    while ((at = ps.out.find(pattern, at)) != std::string::npos) {
      ++n;
      at += pattern.size();
    }
    return n;
  }

  // Puts the datagram sender into the container, as an operator's tool.
  void with_sender() {
    std::filesystem::copy_file(DMC_BIN_DIR "/dmc-test-dgram", at("/bin/dgram"),
                               std::filesystem::copy_options::overwrite_existing);
    ::chmod(at("/bin/dgram").c_str(), 0755);
  }
  // Sends a datagram from inside the container.
  RunOutput send(const std::string& text, const std::string& socket = kSocket) {
    return env.dmc({"run", h, "--", "/bin/dgram", socket, text});
  }

  int supervisor_pid() {
    auto text = read_file(env.depot() + "/" + h + "/services/supervisor.pid");
    return text ? std::stoi(*text) : 0;
  }

  std::vector<std::string> service_actions() {
    auto out = env.dmc({"events", h, "--json"});
    std::vector<std::string> actions;
    rapidjson::Document line;
    size_t start = 0;
    while (start < out.out.size()) {
      size_t end = out.out.find('\n', start);
      line.Parse(out.out.substr(start, end - start).c_str());
      start = end + 1;
      if (line.IsObject() && std::string(line["type"].GetString()) == "service") {
        actions.emplace_back(line["action"].GetString());
      }
    }
    return actions;
  }
};

}  // namespace

TEST_CASE_FIXTURE(Services, "a failing service is restarted with a doubling backoff, its real status kept") {
  auto added = add("flaky", {"--restart", "on-failure", "--backoff", "1s"},
                   {"/bin/sh", "-c", "cut -d' ' -f1 /proc/uptime >> /runs; exit 3"});
  REQUIRE(added.code == 0);
  REQUIRE(eventually([&] { return status("flaky")["restarts"].GetUint() >= 2; }));
  auto doc = status("flaky");
  CHECK(doc["exit_status"].GetInt() == 3);
  CHECK(std::string(doc["error"].GetString()) == "exited with status 3");
  // The gaps between starts: at least 1 s, then at least 2 s.
  std::vector<double> starts;
  for (const auto& line : split_lines(read_file(at("/runs")).value_or(""))) starts.push_back(std::stod(line));
  REQUIRE(starts.size() >= 3);
  CHECK(starts[1] - starts[0] >= 0.95);
  CHECK(starts[2] - starts[1] >= 1.95);
  auto actions = service_actions();
  CHECK(std::count(actions.begin(), actions.end(), "restart") >= 2);
}

TEST_CASE_FIXTURE(Services, "exit 0 is finished under on-failure and a failure under never is failed") {
  REQUIRE(add("once", {"--restart", "on-failure"}, {"/bin/true"}).code == 0);
  REQUIRE(add("broken", {"--restart", "never"}, {"/bin/sh", "-c", "exit 7"}).code == 0);
  REQUIRE(eventually([&] { return state("once") == "finished" && state("broken") == "failed"; }));
  CHECK(status("once")["exit_status"].GetInt() == 0);
  CHECK(status("broken")["exit_status"].GetInt() == 7);
  CHECK(status("broken")["restarts"].GetUint() == 0);
  auto ls = env.dmc({"service", "ls", h});
  CHECK(ls.out.find("broken") != std::string::npos);
  CHECK(ls.out.find("failed") != std::string::npos);
}

TEST_CASE_FIXTURE(Services, "STOP over the socket from inside ends the whole tree and START brings it back once") {
  with_sender();
  REQUIRE(add("proc", {"--control-socket", kSocket, "--stop-grace", "5s"},
              {"/bin/sh", "-c", "(sleep 1002 &); sleep 1001 & sleep 1000"}).code == 0);
  REQUIRE(eventually([&] { return count("sleep 100") == 3; }));
  REQUIRE(eventually([&] { return path_exists(at(kSentinel)); }));
  auto pid = read_file(at(kPidFile));
  REQUIRE(pid);
  CHECK(std::stoi(*pid) > 1);

  REQUIRE(send("STOP").code == 0);
  REQUIRE(eventually([&] { return state("proc") == "stopped"; }));
  CHECK(count("sleep 100") == 0);  // the double-forked grandchild too
  CHECK(!path_exists(at(kSentinel)));
  REQUIRE(send("STOP").code == 0);  // idempotent
  REQUIRE(send("START").code == 0);
  REQUIRE(send("START").code == 0);
  REQUIRE(eventually([&] { return state("proc") == "running" && count("sleep 100") == 3; }));
  auto doc = status("proc");
  CHECK(doc["generation"].GetUint() == 2);
  CHECK(doc["restarts"].GetUint() == 1);
  CHECK(path_exists(at(kSentinel)));
  auto actions = service_actions();
  CHECK(std::count(actions.begin(), actions.end(), "stop") == 2);
  CHECK(std::count(actions.begin(), actions.end(), "start") >= 3);  // the first start, two asks
}

TEST_CASE_FIXTURE(Services, "START during the grace of a STOP starts the next generation only after the last is gone") {
  with_sender();
  REQUIRE(add("stubborn", {"--control-socket", kSocket, "--stop-grace", "2s"},
              {"/bin/sh", "-c", "trap '' TERM; sleep 1000"}).code == 0);
  REQUIRE(send("STOP").code == 0);
  REQUIRE(send("START").code == 0);
  REQUIRE(eventually([&] { return status("stubborn")["generation"].GetUint() == 2; }));
  REQUIRE(eventually([&] { return count("sleep 1000") == 1; }));
  CHECK(state("stubborn") == "running");
  // The journal: the first generation's exit (killed) before the second starts.
  auto events = env.dmc({"events", h}).out;
  size_t exit1 = events.find("exit " + h + " process=stubborn.1");
  size_t start2 = events.find("start-process " + h + " process=stubborn.2");
  REQUIRE(exit1 != std::string::npos);
  REQUIRE(start2 != std::string::npos);
  CHECK(exit1 < start2);
  CHECK(events.find("action=kill") != std::string::npos);
}

TEST_CASE_FIXTURE(Services, "garbage on the socket is ignored, QUIT sends SIGQUIT") {
  with_sender();
  REQUIRE(add("quitter", {"--control-socket", kSocket},
              {"/bin/sh", "-c", "trap 'echo quit >> /quits' QUIT; while :; do sleep 0.1; done"}).code == 0);
  for (const std::string& junk : std::vector<std::string>{"stop", "STOPPED", "", std::string(5000, 'x'), "START STOP"}) {
    send(junk);
  }
  REQUIRE(send("QUIT").code == 0);
  REQUIRE(eventually([&] { return read_file(at("/quits")).value_or("") == "quit\n"; }));
  auto doc = status("quitter");
  CHECK(std::string(doc["state"].GetString()) == "running");
  CHECK(doc["generation"].GetUint() == 1);
}

TEST_CASE_FIXTURE(Services, "cli stop, start, restart and their exit codes") {
  REQUIRE(add("web", {"--stop-grace", "2s"}, {"/bin/sleep", "1000"}).code == 0);
  CHECK(state("web") == "running");
  REQUIRE(env.dmc({"service", "stop", h, "web"}).code == 0);
  CHECK(state("web") == "stopped");  // stop returns once it is
  CHECK(count("sleep 1000") == 0);
  REQUIRE(env.dmc({"service", "start", h, "web"}).code == 0);
  CHECK(state("web") == "running");
  REQUIRE(env.dmc({"service", "restart", h, "web"}).code == 0);
  auto doc = status("web");
  CHECK(doc["generation"].GetUint() == 3);
  CHECK(std::string(doc["state"].GetString()) == "running");
  CHECK(count("sleep 1000") == 1);
}

TEST_CASE_FIXTURE(Services, "post-start runs once its condition passes") {
  REQUIRE(add("web", {"--post-start-condition", "test -e /ready", "--post-start", "touch /post"},
              {"/bin/sleep", "1000"}).code == 0);
  CHECK(!path_exists(at("/post")));
  REQUIRE(env.dmc({"run", h, "--", "/bin/touch", "/ready"}).code == 0);
  REQUIRE(eventually([&] { return path_exists(at("/post")); }));
}

TEST_CASE_FIXTURE(Services, "a supervisor killed with -9 comes back on the next command, losing nothing") {
  with_sender();
  REQUIRE(add("web", {"--control-socket", kSocket, "--backoff", "1s"}, {"/bin/sleep", "1000"}).code == 0);
  int first = supervisor_pid();
  REQUIRE(first > 0);
  REQUIRE(::kill(first, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(first); }));
  // Meanwhile the service's process dies: nobody restarts it yet.
  REQUIRE(env.exec(h, {"/bin/sh", "-c", "kill -KILL $(pidof sleep)"}).code == 0);
  auto ls = env.dmc({"service", "ls", h});  // finds the supervisor gone and starts it
  REQUIRE(ls.code == 0);
  int second = supervisor_pid();
  CHECK(second != first);
  CHECK(process_alive(second));
  REQUIRE(eventually([&] { return state("web") == "running" && count("sleep 1000") == 1; }));
  CHECK(status("web")["generation"].GetUint() == 2);
  // The socket works again, from the new supervisor.
  REQUIRE(send("STOP").code == 0);
  REQUIRE(eventually([&] { return state("web") == "stopped"; }));
}

TEST_CASE_FIXTURE(Services, "rm and destroy leave nothing: processes, cgroups, socket, supervisor") {
  with_sender();
  REQUIRE(add("a", {"--control-socket", kSocket}, {"/bin/sleep", "1000"}).code == 0);
  REQUIRE(add("b", {}, {"/bin/sleep", "1001"}).code == 0);
  REQUIRE(env.dmc({"service", "rm", h, "a"}).code == 0);
  CHECK(count("sleep 1000") == 0);
  CHECK(!path_exists(at(kSocket)));
  CHECK(!path_exists(at(kSentinel)));
  CHECK(cgroup_dirs("/dmc/" + h + "/service-a").empty());
  CHECK(!cgroup_dirs("/dmc/" + h + "/service-b").empty());
  CHECK(env.dmc({"service", "stop", h, "a"}).code == 1);
  int supervisor = supervisor_pid();
  REQUIRE(env.dmc({"destroy", h}).code == 0);
  CHECK(eventually([&] { return !process_alive(supervisor); }));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK(mounts_under(env.depot()).empty());
  CHECK(!path_exists(env.depot() + "/" + h));
}

TEST_CASE_FIXTURE(Services, "bad requests get one line and change nothing") {
  auto unknown = env.dmc({"service", "stop", h, "nope"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err == "dmc: service 'nope' not found in container '" + h + "'\n");
  CHECK(env.dmc({"service", "ls", "no-such-container"}).code == 1);
  CHECK(add("../x", {}, {"/bin/true"}).code == 2);
  CHECK(add("x", {"--restart", "sometimes"}, {"/bin/true"}).code == 2);
  CHECK(add("x", {"--control-socket", "relative.sock"}, {"/bin/true"}).code == 2);
  CHECK(env.dmc({"service", "add", h, "x"}).code == 2);  // no command
  REQUIRE(add("x", {}, {"/bin/sleep", "1000"}).code == 0);
  auto twice = add("x", {}, {"/bin/sleep", "1000"});
  CHECK(twice.code == 1);
  CHECK(twice.err.find("exists") != std::string::npos);
  auto missing = add("y", {"--restart", "never"}, {"/no/such/program"});
  CHECK(missing.code == 1);
  CHECK(missing.err.find("did not start") != std::string::npos);
  REQUIRE(env.dmc({"stop", h}).code == 0);
  auto stopped = add("z", {}, {"/bin/true"});
  CHECK(stopped.code == 1);
  CHECK(stopped.err.find("not running") != std::string::npos);
  auto ls = env.dmc({"service", "ls", h, "--json"});
  CHECK(ls.out.find("\"z\"") == std::string::npos);
}

TEST_CASE_FIXTURE(Services, "a failing liveness probe restarts the service, readiness only says ready") {
  const std::string liveness = R"({"exec":{"command":["cat","/tmp/healthy"]},"periodSeconds":1,"failureThreshold":2})";
  const std::string readiness = R"({"exec":{"command":["cat","/tmp/ready"]},"periodSeconds":1})";
  REQUIRE(add("web", {"--liveness", liveness, "--readiness", readiness, "--backoff", "1s"},
              {"/bin/sh", "-c", "touch /tmp/healthy; exec sleep 1000"}).code == 0);
  REQUIRE(eventually([&] { return !std::string(status("web")["probe_errors"]["readiness"].GetString()).empty(); }));
  CHECK(!status("web")["ready"].GetBool());
  REQUIRE(env.dmc({"run", h, "--", "/bin/touch", "/tmp/ready"}).code == 0);
  REQUIRE(eventually([&] { return status("web")["ready"].GetBool(); }));
  CHECK(status("web")["restarts"].GetUint() == 0);

  REQUIRE(env.dmc({"run", h, "--", "/bin/rm", "/tmp/healthy"}).code == 0);
  REQUIRE(eventually([&] { return status("web")["restarts"].GetUint() == 1; }));
  REQUIRE(eventually([&] { return state("web") == "running" && count("sleep 1000") == 1; }));
  auto actions = service_actions();
  CHECK(std::count(actions.begin(), actions.end(), "liveness-failed") == 1);
  CHECK(std::count(actions.begin(), actions.end(), "probe-failed") >= 2);
  CHECK(std::string(status("web")["probe_errors"]["liveness"].GetString()).find("cat") != std::string::npos);
}

TEST_CASE_FIXTURE(Services, "while a service is stopped on purpose its liveness probe does not restart it") {
  const std::string liveness = R"({"exec":{"command":["cat","/tmp/healthy"]},"periodSeconds":1,"failureThreshold":1})";
  REQUIRE(add("web", {"--liveness", liveness, "--backoff", "1s"},
              {"/bin/sh", "-c", "touch /tmp/healthy; exec sleep 1000"}).code == 0);
  // The control: the same probe on a service left running, restarted by it.
  REQUIRE(add("control", {"--liveness", liveness, "--backoff", "1s"},
              {"/bin/sleep", "1001"}).code == 0);
  REQUIRE(env.dmc({"service", "stop", h, "web"}).code == 0);
  REQUIRE(env.dmc({"run", h, "--", "/bin/rm", "/tmp/healthy"}).code == 0);
  // Probes ran and failed while web was stopped: the control was restarted twice.
  REQUIRE(eventually([&] { return status("control")["restarts"].GetUint() >= 2; }));
  CHECK(state("web") == "stopped");
  CHECK(status("web")["generation"].GetUint() == 1);
  CHECK(count("sleep 1000") == 0);
  REQUIRE(env.dmc({"service", "start", h, "web"}).code == 0);
  REQUIRE(eventually([&] { return state("web") == "running" && count("sleep 1000") == 1; }));
  CHECK(status("web")["restarts"].GetUint() == 1);  // the start, not a probe
}
