#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "bundler/bundler.hpp"
#include "bundler/capabilities.hpp"
#include "common/oci.hpp"
#include "json_at.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

namespace {

// Appends its name to the bundle's args, or fails when told to.
class RecordingRule : public Rule {
 public:
  RecordingRule(std::string name, bool fail) : name_(std::move(name)), fail_(fail) {}
  Result<Bundle> apply(Bundle bundle, const DesiredSpec&) const override {
    if (fail_) return make_error(ErrorKind::Invalid, "{}: refused", name_);
    bundle.process.args.push_back(name_);
    return bundle;
  }

 private:
  std::string name_;
  bool fail_;
};

Bundler recording(std::vector<std::pair<std::string, bool>> rules) {
  std::vector<std::unique_ptr<Rule>> list;
  for (auto& [name, fail] : rules) list.push_back(std::make_unique<RecordingRule>(name, fail));
  return Bundler(std::move(list));
}

DesiredSpec web_spec(const test::TempDir& dir) {
  DesiredSpec spec;
  spec.handle = "web-1";
  spec.rootfs_path = dir / "rootfs";
  spec.env = {"A=1"};
  spec.bind_mounts = {{dir.path(), "/data", true}};
  spec.limits.memory_bytes = uint64_t{128} << 20;
  spec.limits.pids_max = 64;
  return spec;
}

}  // namespace

TEST_CASE("generate applies rules in order to an empty bundle") {
  auto bundle = recording({{"a", false}, {"b", false}, {"c", false}}).generate(DesiredSpec{});
  REQUIRE(bundle);
  CHECK(bundle->process.args == Strings{"a", "b", "c"});
  CHECK(bundle->mounts.empty());
}

TEST_CASE("generate stops at the first failing rule and returns its error") {
  auto bundle = recording({{"a", false}, {"b", true}, {"c", true}}).generate(DesiredSpec{});
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().message == "b: refused");
}

TEST_CASE("make_bundler generates a full config.json a runtime can read") {
  test::TempDir dir;
  auto bundle = make_bundler({"/opt/dmc/dmc-init", "/dmc"}).generate(web_spec(dir));
  REQUIRE(bundle);
  auto doc = test::parse_json(oci::to_json(*bundle));
  CHECK(test::str_at(doc, "/root/path") == dir / "rootfs");
  CHECK(test::str_at(doc, "/hostname") == "web-1");
  CHECK(test::strings_at(doc, "/process/args") == Strings{"/dev/dmc-init"});
  CHECK(test::str_at(doc, "/process/env/1") == "A=1");
  CHECK(test::str_at(doc, "/linux/cgroupsPath") == "/dmc/web-1");
  CHECK(test::int_at(doc, "/linux/resources/memory/limit") == 128 << 20);
  CHECK(test::int_at(doc, "/linux/resources/memory/swap") == 128 << 20);
  CHECK(test::int_at(doc, "/linux/resources/pids/limit") == 64);
  CHECK_FALSE(test::has(doc, "/linux/resources/cpu"));
  CHECK(test::size_at(doc, "/linux/resources/devices") == 10);
  CHECK(test::size_at(doc, "/linux/maskedPaths") == 11);
  CHECK(test::size_at(doc, "/process/capabilities/bounding") == 14);
  CHECK(test::str_at(doc, "/mounts/8/destination") == "/dev/dmc-init");
}

TEST_CASE("make_bundler puts the init mount after /dev and the user's bind mounts") {
  test::TempDir dir;
  auto bundle = make_bundler({"/opt/dmc/dmc-init", "/dmc"}).generate(web_spec(dir));
  REQUIRE(bundle);
  Strings destinations;
  for (const auto& m : bundle->mounts) destinations.push_back(m.destination);
  CHECK(destinations == Strings{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys",
                                "/sys/fs/cgroup", "/data", "/dev/dmc-init"});
}

TEST_CASE("make_bundler applies privileged, with the capabilities dmc holds, before init") {
  test::TempDir dir;
  DesiredSpec spec = web_spec(dir);
  spec.privileged = true;
  auto bundle = make_bundler({"/opt/dmc/dmc-init", "/dmc"}).generate(spec);
  REQUIRE(bundle);
  CHECK(bundle->process.capabilities.bounding == held_capabilities());
  CHECK(std::ranges::count(bundle->process.capabilities.bounding, "CAP_SYS_ADMIN") == 1);
  CHECK(bundle->linux_.masked_paths.empty());
  CHECK(bundle->mounts.back().destination == "/dev/dmc-init");
  CHECK(bundle->process.args == Strings{"/dev/dmc-init"});
}

TEST_CASE("make_bundler refuses a bad spec with the rule's message") {
  test::TempDir dir;
  DesiredSpec spec = web_spec(dir);
  spec.env = {"BROKEN"};
  auto bundle = make_bundler({"/opt/dmc/dmc-init", "/dmc"}).generate(spec);
  REQUIRE_FALSE(bundle);
  CHECK(bundle.error().message == "invalid env 'BROKEN': expected KEY=VALUE");
  auto no_init = make_bundler({"", "/dmc"}).generate(web_spec(dir));
  REQUIRE_FALSE(no_init);
  CHECK(no_init.error().message == "init path '': must be an absolute path");
}
