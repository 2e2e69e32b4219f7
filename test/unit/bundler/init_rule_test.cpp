#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bundler/base_rule.hpp"
#include "bundler/bundler.hpp"
#include "bundler/init_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

TEST_CASE("init rule bind-mounts dmc-init read-only after /dev and runs it as pid 1") {
  auto base = BaseRule{}.apply(Bundle{}, DesiredSpec{});
  REQUIRE(base);
  auto bundle = InitRule{"/usr/lib/dmc/dmc-init"}.apply(*base, DesiredSpec{});
  REQUIRE(bundle);
  REQUIRE(bundle->mounts.size() == base->mounts.size() + 1);
  const auto& init = bundle->mounts.back();
  CHECK(init.destination == "/dev/dmc-init");
  CHECK(init.destination == kInitDestination);
  CHECK(init.type == "bind");
  CHECK(init.source == "/usr/lib/dmc/dmc-init");
  CHECK(init.options == Strings{"bind", "ro", "nosuid", "nodev"});
  CHECK(bundle->process.args == Strings{"/dev/dmc-init"});
  CHECK(bundle->mounts[1].destination == "/dev");
}

TEST_CASE("init rule refuses a relative init path") {
  for (const char* path : {"", "dmc-init"}) {
    auto bundle = InitRule{path}.apply(Bundle{}, DesiredSpec{});
    REQUIRE_FALSE(bundle);
    CHECK(bundle.error().kind == ErrorKind::Invalid);
    CHECK(bundle.error().message ==
          std::string("init path '") + path + "': must be an absolute path");
  }
}
