// What dmcd reads from and writes to Garden clients, byte for byte where
// the Go client depends on it (garden-protocol.md sections 1.5, 3, 4, 5, 6).
#include <doctest/doctest.h>

#include "common/json.hpp"
#include "garden/wire_in.hpp"
#include "garden/wire_out.hpp"

namespace dmc::garden {

TEST_CASE("the smallest container spec the Go client sends creates a default container") {
  auto spec = parse_container_spec(
      R"({"image":{},"limits":{"bandwidth_limits":{},"cpu_limits":{},"disk_limits":{},)"
      R"("memory_limits":{},"pid_limits":{}}})"
      "\n");
  REQUIRE(spec);
  CHECK_FALSE(spec->request.handle);
  CHECK(spec->request.image.empty());
  CHECK(spec->grace_time_ns == 0);
  CHECK_FALSE(spec->request.limits.memory_bytes);
  CHECK_FALSE(spec->request.limits.cpu_shares);
  CHECK_FALSE(spec->request.limits.pids_max);
}

TEST_CASE("a full container spec is read field by field") {
  auto spec = parse_container_spec(
      R"({"handle":"build-42","grace_time":300000000000,"image":{"uri":"raw:///srv/rootfs"},)"
      R"("bind_mounts":[{"src_path":"/srv/cache","dst_path":"/cache","mode":1},)"
      R"({"src_path":"/etc","dst_path":"/host-etc"}],)"
      R"("properties":{"owner":"ci"},"env":["LANG=C.UTF-8"],"privileged":true,)"
      R"("limits":{"cpu_limits":{"limit_in_shares":50},"memory_limits":{"limit_in_bytes":)"
      R"(18446744073709551615},"pid_limits":{"max":128}}})");
  REQUIRE(spec);
  auto& r = spec->request;
  CHECK(r.handle == "build-42");
  CHECK(spec->grace_time_ns == 300000000000);
  CHECK(r.image == "/srv/rootfs");
  REQUIRE(r.bind_mounts.size() == 2);
  CHECK(r.bind_mounts[0].source == "/srv/cache");
  CHECK(r.bind_mounts[0].destination == "/cache");
  CHECK_FALSE(r.bind_mounts[0].read_only);
  CHECK(r.bind_mounts[1].read_only);
  CHECK(r.properties.at("owner") == "ci");
  CHECK(r.env == std::vector<std::string>{"LANG=C.UTF-8"});
  CHECK(r.privileged);
  CHECK(r.limits.cpu_shares == 50u);
  CHECK(r.limits.memory_bytes == 18446744073709551615ull);  // never through a double
  CHECK(r.limits.pids_max == 128);
}

TEST_CASE("what dmc does not have is refused with a plain error that says so") {
  auto refused = [](const char* body) {
    auto spec = parse_container_spec(body);
    REQUIRE_FALSE(spec);
    CHECK(spec.error().kind == ErrorKind::Invalid);
    return spec.error().message;
  };
  CHECK(refused(R"({"image":{"uri":"docker:///busybox"}})") ==
        "unsupported image URI scheme 'docker'");
  CHECK(refused(R"({"network":"10.0.0.0/24"})") == "network configuration is not supported");
  CHECK(refused(R"({"netin":[{"host_port":0,"container_port":8080}]})").starts_with("NetIn"));
  CHECK(refused(R"({"rootfs":"/a","image":{"uri":"/b"}})") ==
        "Cannot provide both Image.URI and RootFSPath");
}

TEST_CASE("wrongly typed or malformed JSON is an invalid request") {
  for (const char* body : {R"({"handle":5})", R"({"grace_time":1.5})", R"({"env":"A=1"})",
                           R"({"properties":{"a":1}})", R"([1,2])", R"({"handle":)", "",
                           R"({"limits":{"memory_limits":{"limit_in_bytes":-1}}})"}) {
    CAPTURE(body);
    auto spec = parse_container_spec(body);
    REQUIRE_FALSE(spec);
    CHECK(spec.error().kind == ErrorKind::Invalid);
  }
}

TEST_CASE("the process spec the Go client sends is read, and peas are refused") {
  auto spec = parse_process_spec(
      R"({"path":"sh","args":["-c","echo hi"],"env":["A=1"],"dir":"/tmp","user":"alice",)"
      R"("rlimits":{"nofile":1024,"core":0},"tty":{"window_size":{"columns":123,"rows":45}},)"
      R"("image":{}})");
  REQUIRE(spec);
  CHECK_FALSE(spec->id);
  CHECK(spec->path == "sh");
  CHECK(spec->args == std::vector<std::string>{"-c", "echo hi"});
  CHECK(spec->user == "alice");
  CHECK(spec->tty);
  REQUIRE(spec->window);
  CHECK(spec->window->width == 123u);
  CHECK(spec->window->height == 45u);
  REQUIRE(spec->rlimits.size() == 2);
  CHECK(spec->rlimits[0].type == "nofile");  // ulimit's names: the containerizer maps them
  CHECK(spec->rlimits[0].hard == 1024u);
  CHECK(spec->rlimits[1].type == "core");  // a present 0 is a value
  CHECK(spec->rlimits[1].soft == 0u);

  auto tty_default = parse_process_spec(R"({"path":"sh","tty":{},"rlimits":{},"image":{}})");
  REQUIRE(tty_default);
  CHECK(tty_default->tty);
  CHECK(tty_default->window->width == 80u);
  CHECK(tty_default->window->height == 24u);

  auto pea = parse_process_spec(R"({"path":"sh","image":{"uri":"/rootfs"}})");
  REQUIRE_FALSE(pea);
  CHECK(pea.error().message == "processes with their own image are not supported");
  auto mounts = parse_process_spec(R"({"path":"sh","bind_mounts":[{"src_path":"/a"}]})");
  REQUIRE_FALSE(mounts);
  CHECK(mounts.error().message ==
        "Running a process with bind mounts and no image provided is not allowed");
}

TEST_CASE("stdin EOF is a source without data, while empty data and a zero signal are values") {
  auto eof = parse_payload(R"({"process_id":"p","source":0})");
  REQUIRE(eof);
  CHECK(eof->source == 0);
  CHECK_FALSE(eof->data);
  auto null_data = parse_payload(R"({"process_id":"p","source":0,"data":null})");
  REQUIRE(null_data);
  CHECK_FALSE(null_data->data);
  auto empty = parse_payload(R"({"process_id":"p","source":0,"data":""})");
  REQUIRE(empty);
  CHECK(empty->data == "");
  auto term = parse_payload(R"({"process_id":"p","signal":0})");
  REQUIRE(term);
  CHECK(term->signal == 0);
  CHECK_FALSE(term->source);
  auto surrogate = parse_payload(R"({"source":0,"data":"\ud83d\ude00\u00e9"})");
  REQUIRE(surrogate);
  CHECK(surrogate->data == "\xf0\x9f\x98\x80\xc3\xa9");
  auto resize = parse_payload(R"({"tty":{"window_size":{"columns":123,"rows":456}}})");
  REQUIRE(resize);
  CHECK(resize->tty);
  CHECK(resize->window->height == 456u);
}

TEST_CASE("error objects carry exactly the five keys, typed by kind") {
  auto container = error_json(make_error(ErrorKind::ContainerNotFound, "no such: x"), "x");
  CHECK(container.status == 404);
  CHECK(container.body ==
        R"({"Type":"ContainerNotFoundError","Message":"unknown handle: x","Handle":"x",)"
        R"("ProcessID":"","Binary":""})"
        "\n");
  auto process = error_json(make_error(ErrorKind::ProcessNotFound, "gone"), "x", "p1");
  CHECK(process.status == 404);
  CHECK(process.body ==
        R"({"Type":"ProcessNotFoundError","Message":"unknown process: p1","Handle":"",)"
        R"("ProcessID":"p1","Binary":""})"
        "\n");
  auto exe = error_json(make_error(ErrorKind::ExecutableNotFound, "exec: nope"), "x");
  CHECK(exe.status == 500);
  CHECK(exe.body.find(R"("Type":"ExecutableNotFoundError","Message":"exec: nope")") !=
        std::string::npos);
  auto plain = error_json(make_error(ErrorKind::AlreadyExists, "Handle 'x' already in use"));
  CHECK(plain.status == 500);
  CHECK(plain.body.starts_with(R"({"Type":"","Message":"Handle 'x' already in use")"));
}

TEST_CASE("process messages: the first, the exit status (also 0), an error") {
  CHECK(stream_message("p", "17") == "{\"process_id\":\"p\",\"stream_id\":\"17\"}\n");
  CHECK(exit_message("p", 0) == "{\"process_id\":\"p\",\"exit_status\":0}\n");
  CHECK(error_message("p", "lost") == "{\"process_id\":\"p\",\"error\":\"lost\"}\n");
}

TEST_CASE("info, metrics and capacity have the Go client's keys") {
  containerizer::ContainerInfo info;
  info.status = containerizer::State::Stopped;
  info.bundle_path = "/depot/h";
  info.events = {"out of memory"};
  info.properties = {{"a", "b"}};
  auto doc = json::parse(info_object(info, {}), "info");
  REQUIRE(doc);
  CHECK(std::string((*doc)["State"].GetString()) == "stopped");
  CHECK(std::string((*doc)["Events"][0].GetString()) == "Out of memory");
  CHECK(std::string((*doc)["ContainerPath"].GetString()) == "/depot/h");
  CHECK((*doc)["MappedPorts"].IsArray());
  CHECK((*doc)["MappedPorts"].Empty());
  CHECK(std::string((*doc)["Properties"]["a"].GetString()) == "b");
  CHECK(std::string((*doc)["ContainerIP"].GetString()).empty());

  containerizer::Metrics m;
  m.memory.total_usage_toward_limit = 1855488;
  m.memory.stat = {{"total_rss", 7}};
  m.pids = {3, 0};
  m.age_ns = 5123456789;
  auto metrics = json::parse(metrics_object(m), "metrics");
  REQUIRE(metrics);
  CHECK((*metrics)["MemoryStat"]["TotalUsageTowardLimit"].GetUint64() == 1855488u);
  CHECK((*metrics)["MemoryStat"]["total_rss"].GetUint64() == 7u);
  CHECK((*metrics)["MemoryStat"]["swapcached"].GetUint64() == 0u);
  CHECK((*metrics)["PidStat"]["Current"].GetUint64() == 3u);
  CHECK((*metrics)["Age"].GetInt64() == 5123456789);
  CHECK((*metrics)["NetworkStat"].IsNull());

  CHECK(capacity_json(1, 2, 3) ==
        R"({"memory_in_bytes":1,"disk_in_bytes":2,"schedulable_disk_in_bytes":2,)"
        R"("max_containers":3})"
        "\n");
  CHECK(bulk_json("Info", {}) == "{}\n");
  CHECK(bulk_json("Info", {{"a", "{\"State\":\"active\"}", ""}, {"b", "", "{\"Type\":\"\"}"}}) ==
        R"({"a":{"Info":{"State":"active"},"Err":null},"b":{"Info":{},"Err":{"Type":""}}})"
        "\n");
}

TEST_CASE("image URIs: empty, absolute paths and raw:// are local dirs") {
  CHECK(image_dir("") == "");
  CHECK(image_dir("/srv/rootfs") == "/srv/rootfs");
  CHECK(image_dir("raw:///srv/rootfs") == "/srv/rootfs");
  CHECK_FALSE(image_dir("oci:///layout"));
  CHECK_FALSE(image_dir("relative/dir"));
}

}  // namespace dmc::garden
