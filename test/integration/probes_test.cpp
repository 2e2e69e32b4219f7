// Probes on real containers, through the real Containerizer: an exec probe
// runs in the container, is killed when it times out and leaves no record;
// httpGet and tcpSocket reach the container's own loopback, never the
// host's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <csignal>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "supervisor/container_probe_target.hpp"
#include "supervisor/probe_runner.hpp"
#include "support/machine.hpp"
#include "wiring/wiring.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::supervisor;

namespace {

// A container made by the dmc binary, and a Containerizer on its depot.
struct ProbeEnv {
  DmcEnv env;
  std::string handle = env.create();
  std::unique_ptr<wiring::System> system;

  ProbeEnv() {
    wiring::Settings settings;
    settings.depot = env.depot();
    settings.state_root = env.state_root();
    settings.runtime = env.runtime();
    settings.log_level = "off";
    auto made = wiring::System::make(settings);
    REQUIRE_MESSAGE(made, made.error().message);
    system = std::move(*made);
  }
  containerizer::Containerizer& containerizer() { return system->containerizer(); }
  ProbeOutcome probe(const Probe& p) {
    ContainerProbeTarget target(containerizer(), handle);
    return run_probe(p, target);
  }
  // The process records of the container, on disk.
  size_t records() {
    auto list = containerizer().processes(handle);
    REQUIRE(list);
    return list->size();
  }
  std::string start(const std::vector<std::string>& argv) {
    process_tracker::ProcessSpec spec;
    spec.path = argv.front();
    spec.args.assign(argv.begin() + 1, argv.end());
    auto id = containerizer().run(handle, spec);
    REQUIRE_MESSAGE(id, id.error().message);
    return *id;
  }
};

Probe exec_probe(std::vector<std::string> argv, int timeout = 1) {
  return Probe{.action = ExecAction{std::move(argv)}, .timeout_seconds = timeout};
}

// A listener on the host's 127.0.0.1 at a free port.
struct HostListener {
  UniqueFd fd{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  int port = 0;
  HostListener() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    REQUIRE(::listen(fd.get(), 8) == 0);
    port = ntohs(addr.sin_port);
  }
};

}  // namespace

TEST_CASE("probes: an exec probe passes when its file is there and fails with the exit code when not") {
  ProbeEnv p;
  auto absent = p.probe(exec_probe({"cat", "/tmp/healthy"}));
  CHECK(!absent.success);
  CHECK(absent.message.starts_with("command failed: exit code 1: cat: "));
  CHECK(absent.message.find("/tmp/healthy") != std::string::npos);
  auto touched = p.env.exec(p.handle, {"touch", "/tmp/healthy"});
  REQUIRE_MESSAGE(touched.code == 0, touched.err);
  auto present = p.probe(exec_probe({"cat", "/tmp/healthy"}));
  CHECK_MESSAGE(present.success, present.message);
}

TEST_CASE("probes: a timed-out exec probe fails, and its process is killed, not left") {
  ProbeEnv p;
  auto outcome = p.probe(exec_probe({"sleep", "5"}, 1));
  CHECK(!outcome.success);
  CHECK(outcome.message == "command timed out after 1s");
  // Gone when the probe returns: no sleep left in the container.
  auto pidof = p.env.exec(p.handle, {"pidof", "sleep"});
  CHECK_MESSAGE(pidof.code == 1, pidof.out);
  CHECK(p.records() == 0);
}

TEST_CASE("probes: a timed-out exec probe's children are killed with it") {
  ProbeEnv p;
  // The shell forks sleep (it is not its last command): killing the shell
  // alone would leave sleep running in the container.
  auto outcome = p.probe(exec_probe({"sh", "-c", "sleep 7; true"}, 1));
  CHECK(outcome.message == "command timed out after 1s");
  auto pidof = p.env.exec(p.handle, {"pidof", "sleep"});
  CHECK_MESSAGE(pidof.code == 1, pidof.out);
}

TEST_CASE("probes: an exec probe runs as the user it is given") {
  ProbeEnv p;
  ContainerProbeTarget as_user(p.containerizer(), p.handle, "1000:1000");
  ContainerProbeTarget as_root(p.containerizer(), p.handle);
  const Probe who = exec_probe({"sh", "-c", "id -u; exit 1"});
  CHECK(run_probe(who, as_user).message == "command failed: exit code 1: 1000");
  CHECK(run_probe(who, as_root).message == "command failed: exit code 1: 0");
}

TEST_CASE("probes: exec probes leave no process records behind") {
  ProbeEnv p;
  for (int i = 0; i < 3; ++i) CHECK(p.probe(exec_probe({"true"})).success);
  CHECK(!p.probe(exec_probe({"false"})).success);
  CHECK(p.records() == 0);
}

TEST_CASE("probes: forget_process removes a finished record and refuses the rest") {
  ProbeEnv p;
  auto& c = p.containerizer();
  CHECK(c.forget_process(p.handle, "../x").error().kind == ErrorKind::Invalid);
  CHECK(c.forget_process(p.handle, "nope").error().kind == ErrorKind::ProcessNotFound);
  CHECK(c.forget_process("no-such-container", "x").error().kind ==
        ErrorKind::ContainerNotFound);
  const std::string id = p.start({"sleep", "100"});
  auto running = c.forget_process(p.handle, id);
  REQUIRE(!running);
  CHECK(running.error().kind == ErrorKind::Unavailable);
  CHECK(running.error().message.find("still running") != std::string::npos);
  CHECK(p.records() == 1);
  REQUIRE(c.signal(p.handle, id, SIGKILL));
  // Once it has ended and its shim let go, it can be forgotten.
  CHECK(eventually([&] { return c.forget_process(p.handle, id).has_value(); }));
  CHECK(p.records() == 0);
  CHECK(!path_exists(p.env.depot() + "/" + p.handle + "/processes/" + id));
}

TEST_CASE("probes: open_namespace gives the init's namespace, and only of a proven init") {
  ProbeEnv p;
  auto& c = p.containerizer();
  auto net = c.open_namespace(p.handle, "net");
  REQUIRE_MESSAGE(net, net.error().message);
  struct stat mine {}, init {};
  REQUIRE(::fstat(net->get(), &mine) == 0);
  const std::string init_ns = fmt::format("/proc/{}/ns/net", p.env.init_pid(p.handle));
  REQUIRE(::stat(init_ns.c_str(), &init) == 0);
  CHECK(mine.st_ino == init.st_ino);
  struct stat host {};
  REQUIRE(::stat("/proc/self/ns/net", &host) == 0);
  CHECK(mine.st_ino != host.st_ino);  // the container has a netns of its own
  CHECK(c.open_namespace(p.handle, "bogus").error().kind == ErrorKind::Invalid);
  CHECK(c.open_namespace("no-such-container", "net").error().kind ==
        ErrorKind::ContainerNotFound);
  REQUIRE(::kill(p.env.init_pid(p.handle), SIGKILL) == 0);
  CHECK(eventually([&] {
    auto gone = c.open_namespace(p.handle, "net");
    return !gone && gone.error().kind == ErrorKind::ContainerNotRunning;
  }));
}

TEST_CASE("probes: httpGet reaches a server inside the container") {
  ProbeEnv p;
  auto made = p.env.exec(p.handle, {"sh", "-c", "mkdir -p /www && echo ok > /www/index.html"});
  REQUIRE_MESSAGE(made.code == 0, made.err);
  p.start({"httpd", "-f", "-p", "8080", "-h", "/www"});
  Probe ok{.action = HttpGetAction{.port = 8080, .path = "/index.html"}};
  CHECK(eventually([&] { return p.probe(ok).success; }));
  Probe missing{.action = HttpGetAction{.port = 8080, .path = "/missing"}};
  CHECK(p.probe(missing).message == "HTTP probe failed with statuscode: 404");
}

TEST_CASE("probes: tcpSocket reaches a listener inside the container") {
  ProbeEnv p;
  p.start({"sh", "-c", "while true; do nc -l -p 9090 </dev/null; done"});
  Probe tcp{.action = TcpSocketAction{.port = 9090}};
  CHECK(eventually([&] { return p.probe(tcp).success; }));
}

TEST_CASE("probes: a listener on the host's loopback is not what a probe reaches") {
  ProbeEnv p;
  HostListener host;  // the port is open on the host, not in the container
  Probe tcp{.action = TcpSocketAction{.port = host.port}};
  auto outcome = p.probe(tcp);
  CHECK(!outcome.success);
  CHECK(outcome.message ==
        fmt::format("dial tcp 127.0.0.1:{}: connect: connection refused", host.port));
  Probe http{.action = HttpGetAction{.port = host.port}};
  CHECK(!p.probe(http).success);
}
