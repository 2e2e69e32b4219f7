#include <doctest/doctest.h>

#include <string>

#include "bundler/cgroup_path_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;

namespace {

Result<Bundle> cgroup_for(const std::string& parent, const std::string& handle) {
  DesiredSpec spec;
  spec.handle = handle;
  return CgroupPathRule{parent}.apply(Bundle{}, spec);
}

}  // namespace

TEST_CASE("cgroupsPath is the absolute /dmc/<handle>") {
  auto bundle = cgroup_for("/dmc", "web-1");
  REQUIRE(bundle);
  CHECK(bundle->linux_.cgroups_path == "/dmc/web-1");
}

TEST_CASE("a nested parent, with or without a trailing slash, is kept absolute") {
  CHECK(cgroup_for("/ci/dmc", "h")->linux_.cgroups_path == "/ci/dmc/h");
  CHECK(cgroup_for("/ci/dmc/", "h")->linux_.cgroups_path == "/ci/dmc/h");
  CHECK(cgroup_for("/", "h")->linux_.cgroups_path == "/h");
}

TEST_CASE("a relative parent is refused: it would land in the caller's own cgroup") {
  auto bundle = cgroup_for("dmc", "web");
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().kind == ErrorKind::Invalid);
  CHECK(bundle.error().message == "cgroup parent 'dmc': must be an absolute path");
}

TEST_CASE("handles that are not one path component are refused") {
  for (const char* handle : {"", ".", "..", "a/b", "../escape"}) {
    auto bundle = cgroup_for("/dmc", handle);
    REQUIRE_FALSE(bundle);
    CHECK(bundle.error().message ==
          std::string("cgroup path: handle '") + handle + "' is not a path component");
  }
}
