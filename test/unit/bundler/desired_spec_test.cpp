#include <doctest/doctest.h>

#include <limits>
#include <string>

#include "bundler/bundle.hpp"

using namespace dmc;
using namespace dmc::bundler;

namespace {

DesiredSpec full_spec() {
  DesiredSpec spec;
  spec.handle = "web-1";
  spec.image = "/var/lib/images/busybox";
  spec.rootfs_path = "/var/lib/dmc/web-1/rootfs";
  spec.env = {"A=1", "B=two words", "QUOTE=\"x\""};
  spec.bind_mounts = {{"/srv/data", "/data", true}, {"/tmp", "/scratch", false}};
  spec.limits.memory_bytes = std::numeric_limits<uint64_t>::max() - 1;
  spec.limits.cpu_shares = 1024;
  spec.limits.pids_max = std::numeric_limits<int64_t>::max();
  spec.privileged = true;
  spec.properties = {{"owner", "ci"}, {"ünïcode", "välue\n"}};
  return spec;
}

Error parse_error(std::string_view text) {
  auto spec = desired_spec_from_json(text);
  REQUIRE_FALSE(spec);
  return spec.error();
}

}  // namespace

TEST_CASE("spec.json round-trips every field") {
  DesiredSpec in = full_spec();
  auto out = desired_spec_from_json(to_json(in));
  REQUIRE(out);
  CHECK(out->handle == "web-1");
  CHECK(out->image == in.image);
  CHECK(out->rootfs_path == in.rootfs_path);
  CHECK(out->env == in.env);
  REQUIRE(out->bind_mounts.size() == 2);
  CHECK(out->bind_mounts[0].source == "/srv/data");
  CHECK(out->bind_mounts[0].destination == "/data");
  CHECK(out->bind_mounts[0].read_only);
  CHECK_FALSE(out->bind_mounts[1].read_only);
  CHECK(out->limits.memory_bytes == std::numeric_limits<uint64_t>::max() - 1);
  CHECK(out->limits.cpu_shares == 1024u);
  CHECK(out->limits.pids_max == std::numeric_limits<int64_t>::max());
  CHECK(out->privileged);
  CHECK(out->properties == in.properties);
}

TEST_CASE("spec.json keeps unset limits unset and memory above 2^53 exact") {
  DesiredSpec in;
  in.handle = "h";
  in.limits.memory_bytes = (uint64_t{1} << 53) + 1;
  auto out = desired_spec_from_json(to_json(in));
  REQUIRE(out);
  CHECK(out->limits.memory_bytes == (uint64_t{1} << 53) + 1);
  CHECK_FALSE(out->limits.cpu_shares);
  CHECK_FALSE(out->limits.pids_max);
  CHECK(to_json(in).find("cpu_shares") == std::string::npos);
}

TEST_CASE("spec.json needs only a handle and unknown keys are ignored") {
  auto out = desired_spec_from_json(R"({"handle":"x","future":{"a":[1]}})");
  REQUIRE(out);
  CHECK(out->handle == "x");
  CHECK(out->image.empty());
  CHECK(out->env.empty());
  CHECK(out->bind_mounts.empty());
  CHECK_FALSE(out->limits.memory_bytes);
  CHECK_FALSE(out->privileged);
  CHECK(out->properties.empty());
}

TEST_CASE("malformed spec.json is an invalid error, with context") {
  Error e = parse_error("{\"handle\":");
  CHECK(e.kind == ErrorKind::Invalid);
  CHECK(e.message.starts_with("desired spec: invalid json"));
  CHECK(parse_error("[1,2]").message == "desired spec: expected an object");
  CHECK(parse_error("{}").message == "desired spec: field \"handle\" is missing");
  CHECK(parse_error(R"({"handle":7})").message ==
        "desired spec: field \"handle\" must be a string");
}

TEST_CASE("spec.json fields of the wrong shape are refused, not read") {
  CHECK(parse_error(R"({"handle":"h","env":"A=1"})").message ==
        "desired spec: field \"env\" must be an array");
  CHECK(parse_error(R"({"handle":"h","env":["A=1",2]})").message ==
        "desired spec: field \"env\" must be an array of strings");
  CHECK(parse_error(R"({"handle":"h","bind_mounts":[1]})").message ==
        "desired spec: field \"bind_mounts\" must be an array of objects");
  CHECK(parse_error(R"({"handle":"h","bind_mounts":[{"source":"/a"}]})").message ==
        "desired spec: field \"destination\" is missing");
  CHECK(parse_error(R"({"handle":"h","limits":{"memory_bytes":-1}})").message ==
        "desired spec: field \"memory_bytes\" must be a non-negative integer");
  CHECK(parse_error(R"({"handle":"h","limits":{"pids_max":1.5}})").message ==
        "desired spec: field \"pids_max\" must be an integer");
  CHECK(parse_error(R"({"handle":"h","limits":[]})").message ==
        "desired spec: field \"limits\" must be an object");
  CHECK(parse_error(R"({"handle":"h","properties":{"a":1}})").message ==
        "desired spec: field \"properties\" must map names to strings");
  CHECK(parse_error(R"({"handle":"h","privileged":"yes"})").kind == ErrorKind::Invalid);
}
