#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bundler/capabilities.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

TEST_CASE("all capabilities run from CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40)") {
  Strings all = all_capabilities();
  REQUIRE(all.size() == 41);
  CHECK(all[0] == "CAP_CHOWN");
  CHECK(all[21] == "CAP_SYS_ADMIN");
  CHECK(all[24] == "CAP_SYS_RESOURCE");
  CHECK(all[40] == "CAP_CHECKPOINT_RESTORE");
}

TEST_CASE("a mask maps to the names of its set bits, in number order") {
  CHECK(capabilities_in(0).empty());
  CHECK(capabilities_in((uint64_t{1} << 5) | 1) == Strings{"CAP_CHOWN", "CAP_KILL"});
  CHECK(capabilities_in(~uint64_t{0}) == all_capabilities());
  Strings without_sys_resource = capabilities_in(0x000001fffeffffff);
  CHECK(without_sys_resource.size() == 40);
  CHECK(std::ranges::count(without_sys_resource, "CAP_SYS_RESOURCE") == 0);
}

TEST_CASE("the bounding set is read from a status file's CapBnd line") {
  std::string status = "Name:\tdmc\nCapPrm:\t0000000000000001\nCapBnd:\t000001fffeffffff\nCapAmb:\t0\n";
  auto mask = bounding_set_from_status(status);
  REQUIRE(mask);
  CHECK(*mask == 0x000001fffeffffff);
  CHECK(*bounding_set_from_status("Name:\tx\nCapBnd:\t00000000a80425fb") == 0xa80425fb);
}

TEST_CASE("a status without a readable CapBnd line is an invalid error") {
  auto missing = bounding_set_from_status("Name:\tdmc\nCapEff:\t0\n");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "process status: no CapBnd line");
  auto garbled = bounding_set_from_status("Name:\tdmc\nCapBnd:\tzz\n");
  REQUIRE_FALSE(garbled);
  CHECK(garbled.error().message == "process status: malformed CapBnd line");
}

TEST_CASE("held capabilities are a non-empty subset of all capabilities") {
  Strings held = held_capabilities();
  CHECK_FALSE(held.empty());
  for (const auto& cap : held) CHECK(std::ranges::count(all_capabilities(), cap) == 1);
}
