#include <doctest/doctest.h>

#include <limits>

#include "bundler/limits_rule.hpp"

using namespace dmc;
using namespace dmc::bundler;

namespace {

Result<Bundle> with_limits(Limits limits) {
  DesiredSpec spec;
  spec.limits = limits;
  Bundle bundle;
  bundle.linux_.resources.devices = {{false, "a", std::nullopt, std::nullopt, "rwm"}};
  return LimitsRule{}.apply(bundle, spec);
}

std::string refusal(Limits limits) {
  auto bundle = with_limits(limits);
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().kind == ErrorKind::Invalid);
  return bundle.error().message;
}

}  // namespace

TEST_CASE("no limits asked: resources stay as they were") {
  auto bundle = with_limits(Limits{});
  REQUIRE(bundle);
  const auto& r = bundle->linux_.resources;
  CHECK_FALSE(r.memory_limit);
  CHECK_FALSE(r.memory_swap);
  CHECK_FALSE(r.cpu_shares);
  CHECK_FALSE(r.pids_limit);
  CHECK(r.devices.size() == 1);
}

TEST_CASE("memory limit sets limit and swap to the same bytes: no swap") {
  auto bundle = with_limits(Limits{uint64_t{64} << 20, std::nullopt, std::nullopt});
  REQUIRE(bundle);
  CHECK(bundle->linux_.resources.memory_limit == int64_t{64} << 20);
  CHECK(bundle->linux_.resources.memory_swap == int64_t{64} << 20);
  CHECK_FALSE(bundle->linux_.resources.cpu_shares);
}

TEST_CASE("cpu shares and pids limits carry over exactly") {
  auto bundle = with_limits(Limits{std::nullopt, 512, 100});
  REQUIRE(bundle);
  CHECK(bundle->linux_.resources.cpu_shares == 512u);
  CHECK(bundle->linux_.resources.pids_limit == 100);
  CHECK_FALSE(bundle->linux_.resources.memory_limit);
  CHECK(with_limits(Limits{std::nullopt, 2, 1}));
  CHECK(with_limits(Limits{std::nullopt, 262144, std::nullopt}));
}

TEST_CASE("memory below 6 MiB or beyond int64 is refused") {
  CHECK(refusal(Limits{0, std::nullopt, std::nullopt}) ==
        "memory limit 0: must be between 6291456 and 9223372036854775807 bytes");
  CHECK(refusal(Limits{6291455, std::nullopt, std::nullopt}).starts_with("memory limit 6291455"));
  CHECK(refusal(Limits{std::numeric_limits<uint64_t>::max(), std::nullopt, std::nullopt})
            .starts_with("memory limit 18446744073709551615"));
  CHECK(with_limits(Limits{6291456, std::nullopt, std::nullopt}));
}

TEST_CASE("cpu shares outside 2..262144 and non-positive pids are refused") {
  CHECK(refusal(Limits{std::nullopt, 1, std::nullopt}) ==
        "cpu shares 1: must be between 2 and 262144");
  CHECK(refusal(Limits{std::nullopt, 262145, std::nullopt}).starts_with("cpu shares 262145"));
  CHECK(refusal(Limits{std::nullopt, std::nullopt, 0}) == "pids limit 0: must be greater than 0");
  CHECK(refusal(Limits{std::nullopt, std::nullopt, -1}) ==
        "pids limit -1: must be greater than 0");
}
