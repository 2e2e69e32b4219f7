// pod-controller's pod spec as users write it: the README example, each of
// its quirks, case-insensitive keys, Kubernetes' probe defaults and checks,
// errors that name where, and the canonical form read back.
#include <doctest/doctest.h>

#include "support/temp_dir.hpp"
#include "supervisor/pod_spec.hpp"

using namespace dmc;
using namespace dmc::supervisor;

namespace {

PodSpec parsed(const std::string& text) {
  auto spec = parse_pod_spec(text);
  INFO(text);
  REQUIRE_MESSAGE(spec, (spec ? "" : spec.error().message));
  return *spec;
}

std::string error_of(const std::string& text) {
  auto spec = parse_pod_spec(text);
  INFO(text);
  REQUIRE(!spec);
  CHECK(spec.error().kind == ErrorKind::Invalid);
  CHECK(spec.error().message.find('\n') == std::string::npos);
  return spec.error().message;
}

// One main container "c" running /bin/true, with extra members.
std::string one(const std::string& members) {
  return R"({"containers": [{"name": "c", "process": {"args": ["/bin/true"]})" +
         (members.empty() ? "" : ", " + members) + "}]}";
}

std::string with_probe(const std::string& key, const std::string& probe) {
  return one("\"" + key + "\": " + probe);
}

}  // namespace

TEST_CASE("pod-controller's README example loads as its users paste it") {
  const auto text = test::read_text(std::string(DMC_TEST_FIXTURES) +
                                    "/supervisor/pod-controller-readme.json");
  const PodSpec pod = parsed(text);
  REQUIRE(pod.init_containers.size() == 1);
  CHECK(pod.init_containers[0].name == "init-0");
  CHECK(pod.init_containers[0].process.path == "sleep");
  CHECK(pod.init_containers[0].process.args == std::vector<std::string>{"10"});
  REQUIRE(pod.containers.size() == 2);
  CHECK(pod.containers[0].name == "main");
  CHECK(pod.containers[1].name == "sidecar");
  CHECK(pod.containers[0].process.path == "/bin/sh");
  CHECK(pod.containers[0].rootfs.empty());
  REQUIRE(pod.containers[0].liveness);
  const Probe& probe = *pod.containers[0].liveness;
  CHECK(std::get<ExecAction>(probe.action).command ==
        std::vector<std::string>{"/bin/sh", "-c", "sleep 1 && cat /tmp/health"});
  CHECK(probe.initial_delay_seconds == 1);
  CHECK(probe.period_seconds == 2);
  CHECK(probe.timeout_seconds == 2);
  CHECK(probe.failure_threshold == 30);
  CHECK(pod.containers[1].liveness->failure_threshold == 1);
  CHECK(!pod.containers[0].readiness);
  CHECK(!pod.containers[0].startup);
}

TEST_CASE("trailing commas are allowed in objects and arrays") {
  const PodSpec pod = parsed(R"({"containers": [{"name": "c", "process": {"args": ["a", "b",],},},],})");
  CHECK(pod.containers[0].process.args == std::vector<std::string>{"b"});
}

TEST_CASE("nameless init containers are named init-<index>") {
  const PodSpec pod = parsed(R"({"initContainers": [{"process": {"args": ["a"]}},
      {"name": "named", "process": {"args": ["b"]}}, {"process": {"args": ["c"]}}],
      "containers": [{"name": "c", "process": {"args": ["/bin/true"]}}]})");
  REQUIRE(pod.init_containers.size() == 3);
  CHECK(pod.init_containers[0].name == "init-0");
  CHECK(pod.init_containers[1].name == "named");
  CHECK(pod.init_containers[2].name == "init-2");
}

TEST_CASE("an exec probe is a bare argv or Kubernetes' {command}") {
  auto bare = parsed(with_probe("livenessProbe", R"({"exec": ["cat", "/tmp/healthy"]})"));
  auto k8s = parsed(with_probe("livenessProbe", R"({"exec": {"command": ["cat", "/tmp/healthy"]}})"));
  const std::vector<std::string> argv = {"cat", "/tmp/healthy"};
  CHECK(std::get<ExecAction>(bare.containers[0].liveness->action).command == argv);
  CHECK(std::get<ExecAction>(k8s.containers[0].liveness->action).command == argv);
}

TEST_CASE("keys match case-insensitively at every level") {
  const PodSpec pod = parsed(R"({"INITCONTAINERS": [{"Process": {"ARGS": ["x"]}}],
      "Containers": [{"NAME": "c", "Spec": {"PROCESS": {"Args": ["/bin/true"], "Cwd": "/w",
        "USER": {"UID": 5, "gid": 6}, "Terminal": true, "ENV": ["A=1"]}, "ROOT": {"Path": "/r"}},
       "livenessprobe": {"EXEC": {"Command": ["true"]}, "PeriodSeconds": 7},
       "ReadinessProbe": {"HTTPGET": {"PORT": 80, "Path": "/h", "HTTPHEADERS": [{"NAME": "a", "VALUE": "b"}]}},
       "STARTUPPROBE": {"tcpsocket": {"port": 81}}}]})");
  REQUIRE(pod.init_containers.size() == 1);
  const PodContainer& c = pod.containers[0];
  CHECK(c.name == "c");
  CHECK(c.process.dir == "/w");
  CHECK(c.process.user == "5:6");
  CHECK(c.process.tty);
  CHECK(c.process.env == std::vector<std::string>{"A=1"});
  CHECK(c.rootfs == "/r");
  CHECK(c.liveness->period_seconds == 7);
  const auto& http = std::get<HttpGetAction>(c.readiness->action);
  CHECK(http.port == 80);
  CHECK(http.path == "/h");
  CHECK(http.headers == std::vector<HttpHeader>{{"a", "b"}});
  CHECK(std::get<TcpSocketAction>(c.startup->action).port == 81);
}

TEST_CASE("the OCI spec may sit under spec or in the entry itself") {
  auto nested = parsed(R"({"containers": [{"name": "c", "spec": {"process": {"args": ["/a"]},
      "root": {"path": "/rootfs"}}}]})");
  auto embedded = parsed(R"({"containers": [{"name": "c", "process": {"args": ["/a"]},
      "root": {"path": "/rootfs"}}]})");
  CHECK(nested.containers[0].process.path == "/a");
  CHECK(nested.containers[0].rootfs == "/rootfs");
  CHECK(embedded.containers[0].rootfs == "/rootfs");
}

TEST_CASE("probes get Kubernetes' defaults") {
  auto pod = parsed(with_probe("readinessProbe", R"({"httpGet": {"port": 8080}})"));
  const Probe& p = *pod.containers[0].readiness;
  CHECK(p.initial_delay_seconds == 0);
  CHECK(p.period_seconds == 10);
  CHECK(p.timeout_seconds == 1);
  CHECK(p.success_threshold == 1);
  CHECK(p.failure_threshold == 3);
  const auto& http = std::get<HttpGetAction>(p.action);
  CHECK(http.host == "127.0.0.1");
  CHECK(http.path == "/");
  auto tcp = parsed(with_probe("livenessProbe", R"({"tcpSocket": {"port": 1, "host": "10.0.0.2"}})"));
  CHECK(std::get<TcpSocketAction>(tcp.containers[0].liveness->action).host == "10.0.0.2");
  CHECK(std::get<TcpSocketAction>(tcp.containers[0].liveness->action).port == 1);
}

TEST_CASE("each error is Invalid, one line, naming where") {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> table = {
      {"{", "pod spec: invalid json at offset 1: Missing a name for object member."},
      {"[]", "pod spec: must be a json object"},
      {"{}", "containers: a pod needs at least one container"},
      {R"({"containers": {}})", "containers must be an array"},
      {R"({"containers": [{"process": {"args": ["a"]}}]})", "containers[0]: name is missing"},
      {R"({"containers": [{"name": "../x", "process": {"args": ["a"]}}]})",
       "containers[0]: invalid container name '../x': use letters, digits, '_', '.' and '-', "
       "starting with a letter or digit"},
      {R"({"containers": [{"name": "c"}]})", "containers[0]: process is missing"},
      {R"({"containers": [{"name": "c", "process": {"args": []}}]})",
       "containers[0].process: args must name a program"},
      {R"({"containers": [{"name": "c", "spec": {"process": {"args": [1]}}}]})",
       "containers[0].spec.process.args: must be an array of strings"},
      {R"({"containers": [{"name": "c", "process": {"args": ["a"], "user": {"gid": 1}}}]})",
       "containers[0].process.user: uid must be a number >= 0"},
      {R"({"containers": [{"name": "c", "process": {"args": ["a"]}},
                          {"name": "c", "process": {"args": ["b"]}}]})",
       "containers[1]: name 'c' is used twice"},
      {R"({"initContainers": [{"process": {"args": ["a"]}}],
           "containers": [{"name": "init-0", "process": {"args": ["b"]}}]})",
       "containers[0]: name 'init-0' is used twice"},
      {R"({"initContainers": [{"process": {"args": ["a"]}, "livenessProbe": {"exec": ["x"]}}],
           "containers": [{"name": "c", "process": {"args": ["b"]}}]})",
       "initContainers[0]: an init container takes no probes"},
      {one(R"("livenessProbe": {"exec": ["x"], "periodSeconds": 0})"),
       "containers[0].livenessProbe: periodSeconds must be >= 1"},
      {one(R"("readinessProbe": {"exec": ["x"], "timeoutSeconds": 0})"),
       "containers[0].readinessProbe: timeoutSeconds must be >= 1"},
      {one(R"("readinessProbe": {"exec": ["x"], "failureThreshold": 0})"),
       "containers[0].readinessProbe: failureThreshold must be >= 1"},
      {one(R"("readinessProbe": {"exec": ["x"], "successThreshold": 0})"),
       "containers[0].readinessProbe: successThreshold must be >= 1"},
      {one(R"("readinessProbe": {"exec": ["x"], "initialDelaySeconds": -1})"),
       "containers[0].readinessProbe: initialDelaySeconds must be >= 0"},
      {one(R"("livenessProbe": {"exec": ["x"], "successThreshold": 2})"),
       "containers[0].livenessProbe: successThreshold must be 1 for a liveness or startup probe"},
      {one(R"("startupProbe": {"exec": ["x"], "successThreshold": 2})"),
       "containers[0].startupProbe: successThreshold must be 1 for a liveness or startup probe"},
      {one(R"("livenessProbe": {"exec": ["x"], "periodSeconds": "10"})"),
       "containers[0].livenessProbe: periodSeconds must be an integer"},
      {one(R"("livenessProbe": {})"),
       "containers[0].livenessProbe: needs exactly one of exec, httpGet, tcpSocket"},
      {one(R"("livenessProbe": {"exec": ["x"], "tcpSocket": {"port": 1}})"),
       "containers[0].livenessProbe: needs exactly one of exec, httpGet, tcpSocket"},
      {one(R"("livenessProbe": {"grpc": {"port": 1}})"),
       "containers[0].livenessProbe: grpc probes are not supported"},
      {one(R"("livenessProbe": {"exec": []})"),
       "containers[0].livenessProbe.exec: command must not be empty"},
      {one(R"("livenessProbe": {"exec": "cat /x"})"),
       "containers[0].livenessProbe.exec: must be an argv array or {\"command\": [...]}"},
      {one(R"("livenessProbe": {"httpGet": {"port": "http"}})"),
       "containers[0].livenessProbe.httpGet: named port 'http' is not supported: a dmc container "
       "has no named ports, give a number"},
      {one(R"("livenessProbe": {"httpGet": {"port": 70000}})"),
       "containers[0].livenessProbe.httpGet: port must be a number from 1 to 65535"},
      {one(R"("livenessProbe": {"httpGet": {}})"),
       "containers[0].livenessProbe.httpGet: port is missing"},
      {one(R"("livenessProbe": {"httpGet": {"port": 443, "scheme": "HTTPS"}})"),
       "containers[0].livenessProbe.httpGet: scheme HTTPS is not supported: probes speak plain "
       "HTTP only"},
      {one(R"("livenessProbe": {"httpGet": {"port": 80, "host": "example.com"}})"),
       "containers[0].livenessProbe.httpGet: host 'example.com' must be an IPv4 address"},
      {one(R"("livenessProbe": {"httpGet": {"port": 80, "httpHeaders": [{"name": "a:b", "value": "v"}]}})"),
       "containers[0].livenessProbe.httpGet.httpHeaders[0]: name must be a header name (no "
       "spaces or colons)"},
      {one(R"("livenessProbe": {"httpGet": {"port": 80, "httpHeaders": [{"name": "a", "value": "v\r\nX: y"}]}})"),
       "containers[0].livenessProbe.httpGet.httpHeaders[0]: value must be one line"},
      {one(R"("livenessProbe": {"tcpSocket": {"port": 0}})"),
       "containers[0].livenessProbe.tcpSocket: port must be a number from 1 to 65535"},
  };
  for (const auto& c : table) CHECK(error_of(c.text) == c.message);
}

TEST_CASE("the canonical form reads back to the same spec") {
  const std::string text = R"({"initContainers": [{"process": {"args": ["a"]}}],
      "containers": [{"name": "c", "spec": {"process": {"args": ["/bin/sh", "-c", "x"],
        "cwd": "/w", "user": {"uid": 5, "gid": 6}, "terminal": true, "env": ["A=1"]},
        "root": {"path": "/r"}},
       "livenessProbe": {"exec": ["true"], "periodSeconds": 7, "initialDelaySeconds": 3},
       "readinessProbe": {"httpGet": {"port": 80, "path": "h", "httpHeaders": [{"name": "a", "value": "b"}]},
                          "successThreshold": 2, "failureThreshold": 4, "timeoutSeconds": 5},
       "startupProbe": {"tcpSocket": {"port": 81, "host": "127.0.0.2"}}},
      {"name": "d", "process": {"args": ["/d"], "user": {"uid": 7}}}]})";
  const PodSpec pod = parsed(text);
  const std::string canonical = to_json(pod);
  auto back = from_json(canonical);
  REQUIRE(back);
  CHECK(to_json(*back) == canonical);
  REQUIRE(back->containers.size() == 2);
  for (size_t i = 0; i < 2; ++i) {
    const PodContainer& a = pod.containers[i];
    const PodContainer& b = back->containers[i];
    CHECK(a.name == b.name);
    CHECK(a.process.path == b.process.path);
    CHECK(a.process.args == b.process.args);
    CHECK(a.process.env == b.process.env);
    CHECK(a.process.dir == b.process.dir);
    CHECK(a.process.user == b.process.user);
    CHECK(a.process.tty == b.process.tty);
    CHECK(a.rootfs == b.rootfs);
    CHECK(a.liveness == b.liveness);
    CHECK(a.readiness == b.readiness);
    CHECK(a.startup == b.startup);
  }
  CHECK(back->containers[1].process.user == "7");
  CHECK(back->init_containers[0].name == "init-0");
  CHECK(back->init_containers[0].process.path == "a");
}

TEST_CASE("restartPolicy: Kubernetes' three names, Always by default, kept by the canonical form") {
  auto plain = parse_pod_spec(R"({"containers": [{"name": "a", "process": {"args": ["/bin/true"]}}]})");
  REQUIRE(plain);
  CHECK(plain->restart == RestartPolicy::Always);
  auto never = parse_pod_spec(R"({"RESTARTPOLICY": "Never", "containers": [{"name": "a", "process": {"args": ["/bin/true"]}}]})");
  REQUIRE(never);
  CHECK(never->restart == RestartPolicy::Never);
  auto back = from_json(to_json(*never));
  REQUIRE(back);
  CHECK(back->restart == RestartPolicy::Never);
  auto bad = parse_pod_spec(R"({"restartPolicy": "Sometimes", "containers": [{"name": "a", "process": {"args": ["/bin/true"]}}]})");
  REQUIRE(!bad);
  CHECK(bad.error().message == "restartPolicy: 'Sometimes' is not Always, OnFailure or Never");
}
