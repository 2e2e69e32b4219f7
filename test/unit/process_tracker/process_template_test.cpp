#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/oci.hpp"
#include "process_tracker/process_builder.hpp"

using namespace dmc;
using dmc::process_tracker::process_template;

namespace {

// The shape `runc spec` writes, with fields dmc does not read left in.
constexpr const char* kConfig = R"({
  "ociVersion": "1.0.2-dev",
  "process": {
    "terminal": true,
    "consoleSize": {"height": 40, "width": 120},
    "user": {"uid": 1000, "gid": 1001, "additionalGids": [2000, 2001]},
    "args": ["/tmp/dmc-init", "--quiet"],
    "env": ["PATH=/usr/bin:/bin", "TERM=xterm", "CONTAINER_ENV=1"],
    "cwd": "/srv",
    "capabilities": {
      "bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_CHOWN", "CAP_KILL"],
      "inheritable": ["CAP_KILL"],
      "permitted": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "ambient": []
    },
    "rlimits": [
      {"type": "RLIMIT_NOFILE", "hard": 4096, "soft": 1024},
      {"type": "RLIMIT_CORE", "hard": 18446744073709551615, "soft": 0}
    ],
    "apparmorProfile": "unconfined",
    "oomScoreAdj": 0,
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "web-1",
  "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}]}
})";

void check_invalid(const std::string& json, const std::string& message) {
  CAPTURE(json);
  auto got = process_template(json);
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
  CHECK(got.error().message == message);
}

std::string with_process(const std::string& process) {
  return R"({"ociVersion":"1.0.2","process":)" + process + "}";
}

}  // namespace

TEST_CASE("process_template reads every field of a config.json process") {
  auto got = process_template(kConfig);
  REQUIRE_MESSAGE(got, got.error().message);
  CHECK(got->terminal);
  REQUIRE(got->console_size);
  CHECK(got->console_size->height == 40);
  CHECK(got->console_size->width == 120);
  CHECK(got->user.uid == 1000);
  CHECK(got->user.gid == 1001);
  CHECK(got->user.additional_gids == std::vector<uint32_t>{2000, 2001});
  CHECK(got->args == std::vector<std::string>{"/tmp/dmc-init", "--quiet"});
  CHECK(got->env ==
        std::vector<std::string>{"PATH=/usr/bin:/bin", "TERM=xterm", "CONTAINER_ENV=1"});
  CHECK(got->cwd == "/srv");
  CHECK(got->capabilities.bounding ==
        std::vector<std::string>{"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"});
  CHECK(got->capabilities.effective == std::vector<std::string>{"CAP_CHOWN", "CAP_KILL"});
  CHECK(got->capabilities.inheritable == std::vector<std::string>{"CAP_KILL"});
  CHECK(got->capabilities.permitted.size() == 3);
  CHECK(got->capabilities.ambient.empty());
  REQUIRE(got->rlimits.size() == 2);
  CHECK(got->rlimits[0].type == "RLIMIT_NOFILE");
  CHECK(got->rlimits[0].soft == 1024);
  CHECK(got->rlimits[0].hard == 4096);
  CHECK(got->rlimits[1].type == "RLIMIT_CORE");
  CHECK(got->rlimits[1].hard == UINT64_MAX);
  CHECK(got->no_new_privileges);
}

TEST_CASE("process_template reads back what oci::to_json writes") {
  oci::Spec spec;
  spec.process.user = {7, 8, {9}};
  spec.process.args = {"/init"};
  spec.process.env = {"A=1"};
  spec.process.cwd = "/";
  spec.process.capabilities.bounding = {"CAP_KILL"};
  spec.process.rlimits = {{"RLIMIT_NPROC", 20, 10}};
  spec.process.no_new_privileges = false;
  auto got = process_template(oci::to_json(spec));
  REQUIRE_MESSAGE(got, got.error().message);
  CHECK_FALSE(got->terminal);
  CHECK_FALSE(got->console_size);
  CHECK(got->user.uid == 7);
  CHECK(got->user.gid == 8);
  CHECK(got->user.additional_gids == std::vector<uint32_t>{9});
  CHECK(got->args == spec.process.args);
  CHECK(got->env == spec.process.env);
  CHECK(got->capabilities.bounding == spec.process.capabilities.bounding);
  REQUIRE(got->rlimits.size() == 1);
  CHECK(got->rlimits[0].soft == 10);
  CHECK(got->rlimits[0].hard == 20);
  CHECK_FALSE(got->no_new_privileges);
}

TEST_CASE("process_template leaves optional fields at the oci defaults") {
  auto got = process_template(with_process(R"({"user":{"uid":0,"gid":0},"cwd":"/"})"));
  REQUIRE_MESSAGE(got, got.error().message);
  CHECK(got->args.empty());
  CHECK(got->env.empty());
  CHECK(got->capabilities.bounding.empty());
  CHECK(got->rlimits.empty());
  CHECK_FALSE(got->no_new_privileges);
  CHECK_FALSE(got->terminal);
}

TEST_CASE("process_template rejects malformed config.json with the place of the fault") {
  check_invalid("{", "config.json: invalid json at offset 1: Missing a name for object member.");
  check_invalid("[]", "config.json: not a json object");
  check_invalid("{}", "config.json: field \"process\" is missing");
  check_invalid(R"({"process":[]})", "config.json: field \"process\" must be an object");
  const std::string user = R"("user":{"uid":0,"gid":0},"cwd":"/")";
  check_invalid(with_process(R"({"cwd":"/"})"),
                "config.json: process: field \"user\" is missing");
  check_invalid(with_process(R"({"user":{"uid":"0","gid":0},"cwd":"/"})"),
                "config.json: process: user: field \"uid\" must be a non-negative integer");
  check_invalid(with_process(R"({"user":{"uid":4294967296,"gid":0},"cwd":"/"})"),
                "config.json: process: user: field \"uid\" is out of range");
  check_invalid(with_process(R"({"user":{"uid":0},"cwd":"/"})"),
                "config.json: process: user: field \"gid\" is missing");
  check_invalid(with_process(R"({"user":{"uid":0,"gid":0,"additionalGids":[-1]},"cwd":"/"})"),
                "config.json: process: user: additionalGids must hold unsigned integers");
  check_invalid(with_process(R"({"user":{"uid":0,"gid":0}})"),
                "config.json: process: field \"cwd\" is missing");
  check_invalid(with_process(R"({"user":{"uid":0,"gid":0},"cwd":7})"),
                "config.json: process: field \"cwd\" must be a string");
  check_invalid(with_process("{" + user + R"(,"env":"A=1"})"),
                "config.json: process: field \"env\" must be an array");
  check_invalid(with_process("{" + user + R"(,"args":["sh",1]})"),
                "config.json: process: args[1] must be a string");
  check_invalid(with_process("{" + user + R"(,"terminal":"yes"})"),
                "config.json: process: field \"terminal\" must be a boolean");
  check_invalid(with_process("{" + user + R"(,"capabilities":{"bounding":[true]}})"),
                "config.json: process: capabilities: bounding[0] must be a string");
  check_invalid(with_process("{" + user + R"(,"consoleSize":{"height":24}})"),
                "config.json: process: consoleSize: field \"width\" is missing");
  check_invalid(with_process("{" + user + R"(,"rlimits":[{"type":"RLIMIT_NOFILE","hard":1}]})"),
                "config.json: process: rlimits[0]: needs \"hard\" and \"soft\"");
  check_invalid(with_process("{" + user + R"(,"rlimits":[{"hard":1,"soft":1}]})"),
                "config.json: process: rlimits[0]: field \"type\" is missing");
  check_invalid(with_process("{" + user + R"(,"rlimits":[5]})"),
                "config.json: process: rlimits[0]: must be an object");
  check_invalid(with_process("{" + user + R"(,"noNewPrivileges":1})"),
                "config.json: process: field \"noNewPrivileges\" must be a boolean");
}
