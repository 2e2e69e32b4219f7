#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bundler/env_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

namespace {


Result<Bundle> with_env(Strings env) {
  DesiredSpec spec;
  spec.env = std::move(env);
  return EnvRule{}.apply(Bundle{}, spec);
}

constexpr const char* kPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

TEST_CASE("env starts with the runtime's default PATH, then the asked-for entries in order") {
  auto bundle = with_env({"B=2", "A=1", "EMPTY=", "EQ=a=b"});
  REQUIRE(bundle);
  CHECK(bundle->process.env == Strings{kPath, "B=2", "A=1", "EMPTY=", "EQ=a=b"});
}

TEST_CASE("a later duplicate key removes the earlier entry") {
  auto bundle = with_env({"A=1", "B=2", "A=3", "PATH=/bin"});
  REQUIRE(bundle);
  CHECK(bundle->process.env == Strings{"B=2", "A=3", "PATH=/bin"});
}

TEST_CASE("env entries that are not KEY=VALUE are refused, naming the entry") {
  for (const char* bad : {"NOEQUALS", "=value", ""}) {
    auto bundle = with_env({"OK=1", bad});
    REQUIRE_FALSE(bundle);
    CHECK(bundle.error().kind == ErrorKind::Invalid);
    CHECK(bundle.error().message == std::string("invalid env '") + bad + "': expected KEY=VALUE");
  }
}
