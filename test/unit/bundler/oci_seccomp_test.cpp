#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "common/oci.hpp"
#include "json_at.hpp"

using namespace dmc;
using namespace dmc::test;
using Strings = std::vector<std::string>;

namespace {

oci::Spec with_seccomp() {
  oci::Seccomp seccomp;
  seccomp.default_action = "SCMP_ACT_ERRNO";
  seccomp.default_errno_ret = 1;
  seccomp.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"};
  seccomp.syscalls = {
      {{"read", "write"}, "SCMP_ACT_ALLOW", std::nullopt, {}},
      {{"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 0x7E020000, 0, "SCMP_CMP_MASKED_EQ"}}},
      {{"clone3"}, "SCMP_ACT_ERRNO", 38, {}},
  };
  oci::Spec spec;
  spec.linux_.seccomp = seccomp;
  return spec;
}

}  // namespace

TEST_CASE("config.json has no seccomp key when the spec sets none") {
  auto doc = parse_json(oci::to_json(oci::Spec{}));
  CHECK_FALSE(has(doc, "/linux/seccomp"));
}

TEST_CASE("config.json seccomp carries the spec's key names") {
  auto doc = parse_json(oci::to_json(with_seccomp()));
  CHECK(str_at(doc, "/linux/seccomp/defaultAction") == "SCMP_ACT_ERRNO");
  CHECK(uint_at(doc, "/linux/seccomp/defaultErrnoRet") == 1);
  CHECK(strings_at(doc, "/linux/seccomp/architectures") ==
        Strings{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"});
  CHECK(size_at(doc, "/linux/seccomp/syscalls") == 3);
  CHECK(strings_at(doc, "/linux/seccomp/syscalls/0/names") == Strings{"read", "write"});
  CHECK(str_at(doc, "/linux/seccomp/syscalls/0/action") == "SCMP_ACT_ALLOW");
  CHECK_FALSE(has(doc, "/linux/seccomp/syscalls/0/errnoRet"));
  CHECK_FALSE(has(doc, "/linux/seccomp/syscalls/0/args"));
  CHECK(uint_at(doc, "/linux/seccomp/syscalls/2/errnoRet") == 38);
}

TEST_CASE("config.json seccomp argument conditions: index, value, valueTwo, op") {
  auto doc = parse_json(oci::to_json(with_seccomp()));
  CHECK(size_at(doc, "/linux/seccomp/syscalls/1/args") == 1);
  CHECK(uint_at(doc, "/linux/seccomp/syscalls/1/args/0/index") == 0);
  CHECK(uint_at(doc, "/linux/seccomp/syscalls/1/args/0/value") == 0x7E020000);
  CHECK(uint_at(doc, "/linux/seccomp/syscalls/1/args/0/valueTwo") == 0);
  CHECK(str_at(doc, "/linux/seccomp/syscalls/1/args/0/op") == "SCMP_CMP_MASKED_EQ");
}

TEST_CASE("config.json seccomp is written exactly, after the other linux keys") {
  oci::Spec spec;
  spec.linux_.seccomp = oci::Seccomp{"SCMP_ACT_ERRNO", std::nullopt, {},
      {{{"personality"}, "SCMP_ACT_ALLOW", std::nullopt, {{0, 0xffffffff, 0, "SCMP_CMP_EQ"}}}}};
  auto json = oci::to_json(spec);
  CHECK(json.ends_with(
      R"("resources":{},"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[)"
      R"({"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[)"
      R"({"index":0,"value":4294967295,"valueTwo":0,"op":"SCMP_CMP_EQ"}]}]}}})"));
}
