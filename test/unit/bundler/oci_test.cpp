#include <doctest/doctest.h>

#include <limits>
#include <string>
#include <vector>

#include "common/oci.hpp"
#include "json_at.hpp"

using namespace dmc;
using namespace dmc::test;
using Strings = std::vector<std::string>;

namespace {

oci::Spec full_spec() {
  oci::Spec spec;
  spec.process.terminal = true;
  spec.process.console_size = oci::ConsoleSize{40, 120};
  spec.process.user = oci::User{1000, 1001, {5, 6}};
  spec.process.args = {"/bin/sh", "-c", "echo \"hi\""};
  spec.process.env = {"PATH=/bin", "A=b"};
  spec.process.cwd = "/home";
  spec.process.capabilities.bounding = {"CAP_KILL"};
  spec.process.capabilities.effective = {"CAP_KILL", "CAP_CHOWN"};
  spec.process.rlimits = {{"RLIMIT_NOFILE", std::numeric_limits<uint64_t>::max(), 1024}};
  spec.process.no_new_privileges = false;
  spec.root = oci::Root{"/var/lib/dmc/web/rootfs", true};
  spec.hostname = "web";
  spec.mounts = {{"/proc", "proc", "proc", {}}, {"/data", "bind", "/srv", {"bind", "ro"}}};
  spec.linux_.namespaces = {{"pid", ""}, {"network", "/proc/42/ns/net"}};
  spec.linux_.resources.memory_limit = (int64_t{1} << 53) + 1;
  spec.linux_.resources.memory_swap = (int64_t{1} << 53) + 1;
  spec.linux_.resources.cpu_shares = 512;
  spec.linux_.resources.pids_limit = 100;
  spec.linux_.resources.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"},
                                   {true, "c", 136, std::nullopt, "rwm"}};
  spec.linux_.cgroups_path = "/dmc/web";
  spec.linux_.masked_paths = {"/proc/kcore"};
  spec.linux_.readonly_paths = {"/proc/sys"};
  return spec;
}

}  // namespace

TEST_CASE("config.json carries the spec's key names and exact values") {
  auto doc = parse_json(oci::to_json(full_spec()));
  CHECK(str_at(doc, "/ociVersion") == "1.0.2");
  CHECK(str_at(doc, "/hostname") == "web");
  CHECK(str_at(doc, "/root/path") == "/var/lib/dmc/web/rootfs");
  CHECK(bool_at(doc, "/root/readonly"));
  CHECK(has(doc, "/linux"));
  CHECK_FALSE(has(doc, "/linux_"));
  CHECK(size_at(doc, "") == 6);
}

TEST_CASE("config.json process: user, console, args, capabilities, rlimits") {
  auto doc = parse_json(oci::to_json(full_spec()));
  CHECK(bool_at(doc, "/process/terminal"));
  CHECK(uint_at(doc, "/process/consoleSize/height") == 40);
  CHECK(uint_at(doc, "/process/consoleSize/width") == 120);
  CHECK(uint_at(doc, "/process/user/uid") == 1000);
  CHECK(uint_at(doc, "/process/user/gid") == 1001);
  CHECK(size_at(doc, "/process/user/additionalGids") == 2);
  CHECK(uint_at(doc, "/process/user/additionalGids/1") == 6);
  CHECK(strings_at(doc, "/process/args") == Strings{"/bin/sh", "-c", "echo \"hi\""});
  CHECK(strings_at(doc, "/process/env") == Strings{"PATH=/bin", "A=b"});
  CHECK(str_at(doc, "/process/cwd") == "/home");
  CHECK(strings_at(doc, "/process/capabilities/bounding") == Strings{"CAP_KILL"});
  CHECK(strings_at(doc, "/process/capabilities/effective") == Strings{"CAP_KILL", "CAP_CHOWN"});
  CHECK(size_at(doc, "/process/capabilities/ambient") == 0);
  CHECK(str_at(doc, "/process/rlimits/0/type") == "RLIMIT_NOFILE");
  CHECK(uint_at(doc, "/process/rlimits/0/hard") == std::numeric_limits<uint64_t>::max());
  CHECK(uint_at(doc, "/process/rlimits/0/soft") == 1024);
  CHECK_FALSE(bool_at(doc, "/process/noNewPrivileges"));
}

TEST_CASE("config.json mounts keep their order and leave out empty options") {
  auto doc = parse_json(oci::to_json(full_spec()));
  CHECK(size_at(doc, "/mounts") == 2);
  CHECK(str_at(doc, "/mounts/0/destination") == "/proc");
  CHECK(str_at(doc, "/mounts/0/type") == "proc");
  CHECK(str_at(doc, "/mounts/0/source") == "proc");
  CHECK_FALSE(has(doc, "/mounts/0/options"));
  CHECK(str_at(doc, "/mounts/1/source") == "/srv");
  CHECK(strings_at(doc, "/mounts/1/options") == Strings{"bind", "ro"});
}

TEST_CASE("config.json linux: namespaces, resources, cgroup path, masked paths") {
  auto doc = parse_json(oci::to_json(full_spec()));
  CHECK(str_at(doc, "/linux/namespaces/0/type") == "pid");
  CHECK_FALSE(has(doc, "/linux/namespaces/0/path"));
  CHECK(str_at(doc, "/linux/namespaces/1/path") == "/proc/42/ns/net");
  CHECK(int_at(doc, "/linux/resources/memory/limit") == (int64_t{1} << 53) + 1);
  CHECK(int_at(doc, "/linux/resources/memory/swap") == (int64_t{1} << 53) + 1);
  CHECK(uint_at(doc, "/linux/resources/cpu/shares") == 512);
  CHECK(int_at(doc, "/linux/resources/pids/limit") == 100);
  CHECK(str_at(doc, "/linux/cgroupsPath") == "/dmc/web");
  CHECK(strings_at(doc, "/linux/maskedPaths") == Strings{"/proc/kcore"});
  CHECK(strings_at(doc, "/linux/readonlyPaths") == Strings{"/proc/sys"});
}

TEST_CASE("config.json device rules leave out unset major and minor") {
  auto doc = parse_json(oci::to_json(full_spec()));
  CHECK(size_at(doc, "/linux/resources/devices") == 2);
  CHECK_FALSE(bool_at(doc, "/linux/resources/devices/0/allow"));
  CHECK(str_at(doc, "/linux/resources/devices/0/type") == "a");
  CHECK_FALSE(has(doc, "/linux/resources/devices/0/major"));
  CHECK_FALSE(has(doc, "/linux/resources/devices/0/minor"));
  CHECK(str_at(doc, "/linux/resources/devices/0/access") == "rwm");
  CHECK(bool_at(doc, "/linux/resources/devices/1/allow"));
  CHECK(int_at(doc, "/linux/resources/devices/1/major") == 136);
  CHECK_FALSE(has(doc, "/linux/resources/devices/1/minor"));
}

TEST_CASE("an empty spec leaves out every unset optional key") {
  auto doc = parse_json(oci::to_json(oci::Spec{}));
  CHECK_FALSE(has(doc, "/hostname"));
  CHECK_FALSE(has(doc, "/process/consoleSize"));
  CHECK_FALSE(has(doc, "/process/user/additionalGids"));
  CHECK(bool_at(doc, "/process/noNewPrivileges"));
  CHECK_FALSE(has(doc, "/linux/cgroupsPath"));
  CHECK_FALSE(has(doc, "/linux/maskedPaths"));
  CHECK_FALSE(has(doc, "/linux/readonlyPaths"));
  CHECK(at(doc, "/linux/resources").IsObject());
  CHECK(size_at(doc, "/linux/resources") == 0);
}

TEST_CASE("process.json is the process object alone") {
  oci::Process process;
  process.args = {"/bin/echo", "hello"};
  auto doc = parse_json(oci::to_json(process));
  CHECK_FALSE(has(doc, "/process"));
  CHECK(strings_at(doc, "/args") == Strings{"/bin/echo", "hello"});
  CHECK(str_at(doc, "/cwd") == "/");
  CHECK(uint_at(doc, "/user/uid") == 0);
  CHECK_FALSE(bool_at(doc, "/terminal"));
}

TEST_CASE("resources json for runtime update has only what is set") {
  oci::Resources resources;
  resources.memory_limit = 64 * 1024 * 1024;
  auto doc = parse_json(oci::to_json(resources));
  CHECK(size_at(doc, "") == 1);
  CHECK(int_at(doc, "/memory/limit") == 64 * 1024 * 1024);
  CHECK_FALSE(has(doc, "/memory/swap"));
  CHECK(oci::to_json(oci::Resources{}) == "{}");
  resources.pids_limit = 7;
  resources.cpu_shares = 2;
  CHECK(oci::to_json(resources) ==
        R"({"memory":{"limit":67108864},"cpu":{"shares":2},"pids":{"limit":7}})");
}
