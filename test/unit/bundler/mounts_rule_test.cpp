#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "bundler/mounts_rule.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

namespace {

Result<Bundle> with_mounts(std::vector<BindMount> mounts) {
  DesiredSpec spec;
  spec.bind_mounts = std::move(mounts);
  Bundle bundle;
  bundle.mounts = {{"/proc", "proc", "proc", {}}};
  return MountsRule{}.apply(bundle, spec);
}

}  // namespace

TEST_CASE("bind mounts are appended after the existing mounts, ro or rw") {
  test::TempDir dir;
  test::write_text(dir / "file", "x");
  auto bundle = with_mounts({{dir.path(), "/data", true}, {dir / "file", "/etc/file", false}});
  REQUIRE(bundle);
  REQUIRE(bundle->mounts.size() == 3);
  CHECK(bundle->mounts[0].destination == "/proc");
  const auto& ro = bundle->mounts[1];
  CHECK(ro.destination == "/data");
  CHECK(ro.type == "bind");
  CHECK(ro.source == dir.path());
  CHECK(ro.options == Strings{"bind", "ro"});
  CHECK(bundle->mounts[2].source == dir / "file");
  CHECK(bundle->mounts[2].options == Strings{"bind", "rw"});
}

TEST_CASE("a bind mount whose source is missing is refused, naming the path") {
  test::TempDir dir;
  auto bundle = with_mounts({{dir / "nope", "/data", false}});
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().kind == ErrorKind::NotFound);
  CHECK(bundle.error().message ==
        "bind mount source '" + (dir / "nope") + "': No such file or directory");
}

TEST_CASE("a relative bind mount source is refused") {
  auto bundle = with_mounts({{"tmp", "/data", false}});
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().kind == ErrorKind::Invalid);
  CHECK(bundle.error().message == "bind mount source 'tmp': must be an absolute path");
}

TEST_CASE("bind mount destinations must be absolute, not /, without ..") {
  test::TempDir dir;
  auto refused = [&](const std::string& destination) {
    auto bundle = with_mounts({{dir.path(), destination, false}});
    REQUIRE_FALSE(bundle);
    CHECK(bundle.error().kind == ErrorKind::Invalid);
    return bundle.error().message;
  };
  CHECK(refused("data") == "bind mount destination 'data': must be an absolute path");
  CHECK(refused("") == "bind mount destination '': must be an absolute path");
  CHECK(refused("/") == "bind mount destination '/': must not be /");
  CHECK(refused("/data/../etc") == "bind mount destination '/data/../etc': must not contain '..'");
  CHECK(refused("/..") == "bind mount destination '/..': must not contain '..'");
  CHECK(with_mounts({{dir.path(), "/data/..x/y.", false}}));
}

TEST_CASE("the first bad bind mount stops the rule") {
  test::TempDir dir;
  auto bundle = with_mounts({{dir.path(), "/ok", false}, {"/definitely/not/here", "/b", false}});
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().message.starts_with("bind mount source '/definitely/not/here'"));
}
