// The supervisor loop against a fake engine: what it runs, signals and
// records, its files in the depot and in the container, its control
// socket, and a supervisor that carries on where a killed one stopped.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <map>
#include <set>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "supervisor/service_store.hpp"
#include "supervisor/service_supervisor.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::supervisor;
using dmc::test::TempDir;

namespace {

constexpr int64_t kSecond = 1'000'000'000;

// Exec probes pass while *healthy; each run is counted.
class FakeTarget final : public ProbeTarget {
 public:
  FakeTarget(const bool& healthy, int& runs) : healthy_(healthy), runs_(runs) {}
  Result<ExecResult> exec(const std::vector<std::string>&, std::chrono::milliseconds) override {
    ++runs_;
    return ExecResult{healthy_ ? 0 : 1, healthy_ ? "" : "no /healthy"};
  }
  Result<UniqueFd> tcp_socket() override { return make_error(ErrorKind::Unavailable, "no net"); }

 private:
  const bool& healthy_;
  int& runs_;
};

class FakeEngine final : public Engine {
 public:
  explicit FakeEngine(const TempDir& dir) : paths_{dir / "c", dir / "c/rootfs"} {
    REQUIRE(make_dirs(paths_.rootfs));
  }

  Result<ContainerPaths> paths(const std::string&) const override {
    if (gone) return make_error(ErrorKind::ContainerNotFound, "container 'h' not found");
    return paths_;
  }
  Result<bool> running(const std::string& h) const override {
    DMC_CHECK(paths(h));
    return container_running;
  }
  Result<std::string> run(const std::string&, const process_tracker::ProcessSpec& spec) override {
    if (fail_runs) return make_error(ErrorKind::ExecutableNotFound, "executable not found");
    std::string id = spec.id.value_or("?");
    runs.push_back(id);
    groups_of[id] = spec.group;
    processes_by_id[id] = {id, ::getpid(), "running", {}, {spec.path}};  // a pid that exists
    members[spec.group].insert(id);
    return id;
  }
  Result<std::vector<process_tracker::ProcessInfo>> processes(const std::string&) const override {
    std::vector<process_tracker::ProcessInfo> out;
    for (const auto& [id, info] : processes_by_id) out.push_back(info);
    return out;
  }
  Result<std::vector<int>> group_members(const std::string&, const std::string& group) const override {
    std::vector<int> pids;
    if (auto it = members.find(group); it != members.end()) {
      for (size_t i = 0; i < it->second.size(); ++i) pids.push_back(static_cast<int>(i) + 1);
    }
    return pids;
  }
  Result<void> signal_group(const std::string&, const std::string& group, int signal) override {
    signals.emplace_back(group, signal);
    return {};
  }
  Result<void> kill_group(const std::string&, const std::string& group) override {
    signals.emplace_back(group, SIGKILL);
    auto ids = members[group];
    for (const auto& id : ids) exit(id, 137);
    return {};
  }
  Result<void> remove_group(const std::string&, const std::string& group) override {
    removed_groups.push_back(group);
    return {};
  }
  Result<void> forget_process(const std::string&, const std::string& id) override {
    processes_by_id.erase(id);
    return {};
  }
  std::unique_ptr<ProbeTarget> probe_target(const std::string&, const std::string&) override {
    return std::make_unique<FakeTarget>(healthy, probes_run);
  }
  void record(const std::string&, const std::string& service, const Note& note) override {
    events.push_back(service + " " + note.action);
  }

  // The process ends with status; it leaves its group.
  void exit(const std::string& id, int status) {
    auto& info = processes_by_id.at(id);
    info.state = "exited";
    info.exit_status = status;
    members[groups_of[id]].erase(id);
  }

  ContainerPaths paths_;
  bool gone = false;
  bool container_running = true;
  bool fail_runs = false;
  bool healthy = true;
  int probes_run = 0;
  std::vector<std::string> runs;
  std::map<std::string, std::string> groups_of;
  std::map<std::string, process_tracker::ProcessInfo> processes_by_id;
  std::map<std::string, std::set<std::string>> members;
  std::vector<std::pair<std::string, int>> signals;
  std::vector<std::string> removed_groups;
  std::vector<std::string> events;
};

ServiceSpec web(RestartPolicy policy = RestartPolicy::Always) {
  ServiceSpec spec;
  spec.name = "web";
  spec.process.path = "/bin/httpd";
  spec.restart = policy;
  spec.stop_grace = std::chrono::seconds(2);
  spec.backoff = std::chrono::seconds(1);
  return spec;
}

struct Fixture {
  TempDir dir;
  FakeEngine engine{dir};
  ServiceStore store{dir / "c", "h"};

  Status status(const std::string& name = "web") { return store.status(name).value(); }
  void ask(Ask ask, const std::string& name = "web") {
    REQUIRE(store.update_control(name, [&](Control& c) { apply(c, ask); }));
  }
};

void send(const std::string& path, const std::string& datagram) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, path.size());
  CHECK(::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&address),
                 sizeof address) == static_cast<ssize_t>(datagram.size()));
  ::close(fd);
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a service is started in its group and restarted after its backoff") {
  REQUIRE(store.add(web(RestartPolicy::OnFailure)));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.claim().value());
  REQUIRE(supervisor.tick(0));
  CHECK(engine.runs == std::vector<std::string>{"web.1"});
  CHECK(engine.groups_of["web.1"] == "service-web");
  CHECK(status().phase == Phase::Running);

  engine.exit("web.1", 3);
  auto wake = supervisor.tick(1 * kSecond);
  CHECK(wake.value() == 2 * kSecond);
  CHECK(status().exit_status == 3);
  CHECK(status().phase == Phase::Waiting);
  REQUIRE(supervisor.tick(2 * kSecond));
  CHECK(engine.runs == std::vector<std::string>{"web.1", "web.2"});
  CHECK(status().restarts == 1);
  CHECK(engine.events == std::vector<std::string>{"web start", "web restart"});
}

TEST_CASE_FIXTURE(Fixture, "a second supervisor of the same container does not run") {
  REQUIRE(store.add(web()));
  ServiceSupervisor first(engine, "h", Logger());
  ServiceSupervisor second(engine, "h", Logger());
  REQUIRE(first.claim().value());
  CHECK(!second.claim().value());
}

TEST_CASE_FIXTURE(Fixture, "a new supervisor carries on: it adopts a generation started but not recorded") {
  REQUIRE(store.add(web()));
  {
    ServiceSupervisor killed(engine, "h", Logger());
    REQUIRE(killed.tick(0));
    engine.exit("web.1", 1);
    REQUIRE(killed.tick(1 * kSecond));
    REQUIRE(status().phase == Phase::Waiting);
  }
  // As if it ran the next generation and died before writing so.
  REQUIRE(engine.run("h", {.id = "web.2", .path = "/bin/httpd", .group = "service-web"}));
  ServiceSupervisor next(engine, "h", Logger());
  REQUIRE(next.tick(3 * kSecond));
  REQUIRE(next.tick(10 * kSecond));
  CHECK(engine.runs == std::vector<std::string>{"web.1", "web.2"});
  CHECK(engine.signals.empty());
  CHECK(status().process_id == "web.2");
  CHECK(status().phase == Phase::Running);
  CHECK(status().restarts == 1);
}

TEST_CASE_FIXTURE(Fixture, "STOP over the socket terms the group and START starts it again once") {
  ServiceSpec spec = web();
  spec.control_socket = "/var/vcap/data/job/web_containerrun.sock";
  REQUIRE(store.add(spec));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  const std::string socket = engine.paths_.rootfs + spec.control_socket;
  const std::string dir = engine.paths_.rootfs + "/var/vcap/data/job/";
  CHECK(path_exists(dir + "web_containerrun.running"));

  send(socket, "hello");
  send(socket, std::string(300, 'S'));
  send(socket, "STOP\n");
  supervisor.read_sockets();
  REQUIRE(supervisor.tick(1 * kSecond));
  CHECK(engine.signals == std::vector<std::pair<std::string, int>>{{"service-web", SIGTERM}});
  REQUIRE(supervisor.tick(3 * kSecond));  // the grace (2 s) has passed
  CHECK(engine.signals.back() == std::pair<std::string, int>{"service-web", SIGKILL});
  REQUIRE(supervisor.tick(4 * kSecond));
  CHECK(status().phase == Phase::Stopped);
  CHECK(!path_exists(dir + "web_containerrun.running"));

  send(socket, " START ");
  send(socket, "START");
  supervisor.read_sockets();
  REQUIRE(supervisor.tick(5 * kSecond));
  REQUIRE(supervisor.tick(6 * kSecond));
  CHECK(engine.runs == std::vector<std::string>{"web.1", "web.2"});
  CHECK(status().phase == Phase::Running);
  CHECK(path_exists(dir + "web_containerrun.running"));

  send(socket, "QUIT");
  supervisor.read_sockets();
  CHECK(engine.signals.back() == std::pair<std::string, int>{"service-web", SIGQUIT});
  CHECK(std::count(engine.events.begin(), engine.events.end(), "web stop") == 1);
  CHECK(std::count(engine.events.begin(), engine.events.end(), "web start") == 3);  // 2 asks, 1 first start
}

TEST_CASE_FIXTURE(Fixture, "a socket path the container made a link is kept inside the rootfs") {
  REQUIRE(::symlink("/", (engine.paths_.rootfs + "/escape").c_str()) == 0);
  ServiceSpec spec = web();
  spec.control_socket = "/escape/tmp/dmc-supervisor-test-escape.sock";
  REQUIRE(store.add(spec));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(!path_exists("/tmp/dmc-supervisor-test-escape.sock"));
  CHECK(path_exists(engine.paths_.rootfs + "/tmp/dmc-supervisor-test-escape.sock"));
}

TEST_CASE_FIXTURE(Fixture, "nothing starts in a stopped container and a gone one ends the tick") {
  REQUIRE(store.add(web()));
  engine.container_running = false;
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(engine.runs.empty());
  engine.gone = true;
  auto gone = supervisor.tick(1);
  REQUIRE(!gone);
  CHECK(gone.error().kind == ErrorKind::ContainerNotFound);
}

TEST_CASE_FIXTURE(Fixture, "remove stops the service, then removes its group, socket and files") {
  ServiceSpec spec = web();
  spec.control_socket = "/run/web.sock";
  REQUIRE(store.add(spec));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  ask(Ask::Remove);
  REQUIRE(supervisor.tick(1 * kSecond));
  engine.exit("web.1", 143);
  REQUIRE(supervisor.tick(2 * kSecond));
  CHECK(engine.removed_groups == std::vector<std::string>{"service-web"});
  CHECK(!store.check("web"));
  CHECK(!path_exists(engine.paths_.rootfs + "/run/web.sock"));
  CHECK(!path_exists(engine.paths_.rootfs + "/run/web_containerrun.running"));
}

TEST_CASE_FIXTURE(Fixture, "post-start: the condition until it passes, then the command once") {
  ServiceSpec spec = web();
  spec.post_start = "touch /started";
  spec.post_start_condition = "test -e /ready";
  REQUIRE(store.add(spec));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(engine.runs == std::vector<std::string>{"web.1", "web.1.condition-1"});
  engine.exit("web.1.condition-1", 1);
  REQUIRE(supervisor.tick(1 * kSecond));
  CHECK(engine.runs.size() == 2);  // the next try is 3 s after the first
  REQUIRE(supervisor.tick(3 * kSecond));
  CHECK(engine.runs.back() == "web.1.condition-2");
  engine.exit("web.1.condition-2", 0);
  REQUIRE(supervisor.tick(4 * kSecond));
  CHECK(engine.runs.back() == "web.1.post-start");
  CHECK(engine.groups_of["web.1.post-start"] == "service-web");
  CHECK(!engine.processes_by_id.contains("web.1.condition-1"));  // forgotten
  REQUIRE(supervisor.tick(5 * kSecond));
  CHECK(engine.runs.size() == 4);
  CHECK(status().post_started == 1);
}

TEST_CASE_FIXTURE(Fixture, "a start that fails is recorded and backed off") {
  REQUIRE(store.add(web()));
  engine.fail_runs = true;
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(status().phase == Phase::Waiting);
  CHECK(status().error == "executable not found");
  CHECK(status().next_start_ns == 1 * kSecond);
  CHECK(engine.events == std::vector<std::string>{"web start-failed"});
}

namespace {

Probe exec_probe(int failure_threshold) {
  Probe probe{ExecAction{{"cat", "/healthy"}}};
  probe.period_seconds = 100;  // one run per test step: the first is due at once
  probe.failure_threshold = failure_threshold;
  return probe;
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "a liveness failure past its threshold ends the run, then restarts it as a failure") {
  ServiceSpec spec = web(RestartPolicy::OnFailure);
  spec.liveness = exec_probe(1);
  REQUIRE(store.add(spec));
  engine.healthy = false;
  ServiceSupervisor supervisor(engine, "h", Logger());
  auto wake = supervisor.tick(0);
  REQUIRE(wake);
  CHECK(engine.probes_run == 1);
  CHECK(status().liveness_failed);
  CHECK(status().liveness_error.find("no /healthy") != std::string::npos);
  REQUIRE(supervisor.tick(1));
  CHECK(engine.signals == std::vector<std::pair<std::string, int>>{{"service-web", SIGTERM}});
  engine.exit("web.1", 143);
  REQUIRE(supervisor.tick(2));
  CHECK(status().phase == Phase::Waiting);  // on-failure restarts it, after the backoff
  CHECK(status().error.starts_with("liveness probe failed"));
  CHECK(status().failures == 1);
  engine.healthy = true;
  REQUIRE(supervisor.tick(2 * kSecond));
  CHECK(engine.runs.back() == "web.2");
  CHECK(!status().liveness_failed);
  CHECK(std::count(engine.events.begin(), engine.events.end(), "web probe-failed") == 1);
  CHECK(std::count(engine.events.begin(), engine.events.end(), "web liveness-failed") == 1);
}

TEST_CASE_FIXTURE(Fixture, "a liveness failure under never fails the service, even when it exits 0") {
  ServiceSpec spec = web(RestartPolicy::Never);
  spec.liveness = exec_probe(1);
  REQUIRE(store.add(spec));
  engine.healthy = false;
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  REQUIRE(supervisor.tick(1));
  engine.exit("web.1", 0);
  REQUIRE(supervisor.tick(2));
  CHECK(status().phase == Phase::Failed);
}

TEST_CASE_FIXTURE(Fixture, "readiness is its own bit: not ready, and no restart") {
  ServiceSpec spec = web();
  spec.readiness = exec_probe(1);
  REQUIRE(store.add(spec));
  engine.healthy = false;
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(!status().ready);
  CHECK(!status().readiness_error.empty());
  REQUIRE(supervisor.tick(1));
  CHECK(engine.signals.empty());
  CHECK(status().phase == Phase::Running);
}

TEST_CASE_FIXTURE(Fixture, "no probe runs while a service is stopped on purpose") {
  ServiceSpec spec = web();
  spec.liveness = exec_probe(1);
  REQUIRE(store.add(spec));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(engine.probes_run == 1);
  ask(Ask::Stop);
  engine.healthy = false;
  REQUIRE(supervisor.tick(1));
  engine.exit("web.1", 143);
  REQUIRE(supervisor.tick(2));
  REQUIRE(supervisor.tick(200 * kSecond));
  CHECK(status().phase == Phase::Stopped);
  CHECK(engine.probes_run == 1);
  CHECK(!status().liveness_failed);
  CHECK(engine.runs.size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "a service without probes is ready") {
  REQUIRE(store.add(web()));
  ServiceSupervisor supervisor(engine, "h", Logger());
  REQUIRE(supervisor.tick(0));
  CHECK(status().ready);
  CHECK(engine.probes_run == 0);
}
