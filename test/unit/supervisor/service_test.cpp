// A service's spec, its checks and its JSON; the control socket's commands.
#include <doctest/doctest.h>

#include "supervisor/control_socket.hpp"
#include "supervisor/service.hpp"

using namespace dmc;
using namespace dmc::supervisor;

namespace {

ServiceSpec valid() {
  ServiceSpec spec;
  spec.name = "web";
  spec.process.path = "/bin/httpd";
  spec.process.args = {"-f", "-p", "8080"};
  spec.process.env = {"A=1"};
  spec.restart = RestartPolicy::OnFailure;
  spec.post_start = "echo started";
  spec.control_socket = "/var/vcap/data/job/web_containerrun.sock";
  spec.stop_grace = std::chrono::seconds(3);
  return spec;
}

}  // namespace

TEST_CASE("a service spec survives its JSON") {
  auto back = service_from_json(to_json(valid()));
  REQUIRE(back);
  CHECK(to_json(*back) == to_json(valid()));
  CHECK(back->process.args == std::vector<std::string>{"-f", "-p", "8080"});
}

TEST_CASE("bad services are refused with a line that says why") {
  auto refused = [](auto change) {
    ServiceSpec spec = valid();
    change(spec);
    auto checked = validate(spec);
    REQUIRE(!checked);
    CHECK(checked.error().kind == ErrorKind::Invalid);
    return checked.error().message;
  };
  CHECK(refused([](ServiceSpec& s) { s.name = "../x"; }).find("invalid service name") != std::string::npos);
  CHECK(refused([](ServiceSpec& s) { s.name = ""; }).find("service name") != std::string::npos);
  CHECK(refused([](ServiceSpec& s) { s.process.path = ""; }) == "service 'web': no program to run");
  CHECK(refused([](ServiceSpec& s) { s.control_socket = "relative.sock"; }).find("absolute") != std::string::npos);
  CHECK(refused([](ServiceSpec& s) { s.control_socket = "/a/../b.sock"; }).find("must name a file") != std::string::npos);
  CHECK(refused([](ServiceSpec& s) { s.control_socket = "/" + std::string(120, 'x'); }).find("longer") != std::string::npos);
  CHECK(refused([](ServiceSpec& s) { s.max_backoff = std::chrono::seconds(1); }).find("backoff") != std::string::npos);
  CHECK(!parse_restart_policy("sometimes"));
  CHECK(parse_restart_policy("on-failure").value() == RestartPolicy::OnFailure);
}

TEST_CASE("datagrams: STOP, START, QUIT trimmed and case-sensitive and the rest ignored") {
  CHECK(parse_command("STOP") == Command::Stop);
  CHECK(parse_command("START\n") == Command::Start);
  CHECK(parse_command("  QUIT \r\n") == Command::Quit);
  CHECK(!parse_command("stop"));
  CHECK(!parse_command("STOPX"));
  CHECK(!parse_command(""));
  CHECK(!parse_command(std::string("STOP\0", 5)));
  CHECK(!parse_command("START STOP"));
}

TEST_CASE("the sentinel names of kubecf come from the name of the socket") {
  Sentinels k = sentinels_of("/var/vcap/data/job/proc_containerrun.sock");
  CHECK(k.running == "proc_containerrun.running");
  CHECK(k.pid == "proc.pid");
  Sentinels other = sentinels_of("/run/web.sock");
  CHECK(other.running == "web_containerrun.running");
}
