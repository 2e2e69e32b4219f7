#include <doctest/doctest.h>

#include <string>

#include "bundler/hostname_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;

namespace {

Result<Bundle> hostname_for(const std::string& handle) {
  DesiredSpec spec;
  spec.handle = handle;
  return HostnameRule{}.apply(Bundle{}, spec);
}

}  // namespace

TEST_CASE("hostname is the handle") {
  auto bundle = hostname_for("web-1");
  REQUIRE(bundle);
  CHECK(bundle->hostname == "web-1");
}

TEST_CASE("a handle of exactly 49 characters is kept whole") {
  std::string handle(49, 'a');
  CHECK(hostname_for(handle)->hostname == handle);
}

TEST_CASE("a longer handle becomes its last 49 characters") {
  std::string handle = std::string(30, 'x') + "0123456789012345678901234567890123456789012345678";
  auto bundle = hostname_for(handle);
  REQUIRE(bundle);
  CHECK(bundle->hostname == "0123456789012345678901234567890123456789012345678");
  CHECK(bundle->hostname.size() == 49);
}

TEST_CASE("an empty handle gives no hostname but an error") {
  auto bundle = hostname_for("");
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().kind == ErrorKind::Invalid);
  CHECK(bundle.error().message == "hostname: handle is empty");
}
