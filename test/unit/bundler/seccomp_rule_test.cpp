#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <string>
#include <vector>

#include "bundler/base_rule.hpp"
#include "bundler/bundler.hpp"
#include "bundler/capabilities.hpp"
#include "bundler/privileged_rule.hpp"
#include "bundler/seccomp_profile.hpp"
#include "bundler/seccomp_rule.hpp"
#include "common/oci.hpp"
#include "json_at.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::bundler;
using Strings = std::vector<std::string>;

namespace {

// The bundle after base, privileged (when asked) and seccomp.
Bundle bundle_for(bool privileged) {
  DesiredSpec spec;
  spec.privileged = privileged;
  auto base = BaseRule{}.apply(Bundle{}, spec);
  REQUIRE(base);
  auto with_caps = PrivilegedRule{all_capabilities()}.apply(*base, spec);
  REQUIRE(with_caps);
  auto bundle = SeccompRule{}.apply(*with_caps, spec);
  REQUIRE(bundle);
  return *bundle;
}

// The names the profile allows with no condition on their arguments.
std::set<std::string> allowed(const oci::Seccomp& profile) {
  std::set<std::string> names;
  for (const auto& rule : profile.syscalls) {
    if (rule.action != "SCMP_ACT_ALLOW" || !rule.args.empty()) continue;
    names.insert(rule.names.begin(), rule.names.end());
  }
  return names;
}

const oci::SeccompSyscall* rule_for(const oci::Seccomp& profile, const std::string& name) {
  for (const auto& rule : profile.syscalls) {
    if (std::ranges::find(rule.names, name) != rule.names.end()) return &rule;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("an unprivileged container gets an allowlist that refuses with EPERM") {
  Bundle bundle = bundle_for(false);
  REQUIRE(bundle.linux_.seccomp);
  const auto& profile = *bundle.linux_.seccomp;
  CHECK(profile.default_action == "SCMP_ACT_ERRNO");
  CHECK(profile.default_errno_ret == EPERM);
#if defined(__x86_64__)
  CHECK(profile.architectures == Strings{"SCMP_ARCH_X86_64"});
#elif defined(__aarch64__)
  CHECK(profile.architectures == Strings{"SCMP_ARCH_AARCH64"});
#endif
  auto names = allowed(profile);
  for (const char* name : {"read", "write", "openat", "execve", "wait4", "rt_sigprocmask",
                           "rt_sigtimedwait", "ptrace", "chroot"}) {
    CHECK_MESSAGE(names.contains(name), name);
  }
}

TEST_CASE("without the capability that guards them, dangerous calls are not allowed") {
  auto profile = *bundle_for(false).linux_.seccomp;
  auto names = allowed(profile);
  for (const char* name :
       {"unshare", "setns", "mount", "umount2", "pivot_root", "add_key", "keyctl",
        "request_key", "init_module", "finit_module", "delete_module", "kexec_load",
        "kexec_file_load", "bpf", "perf_event_open", "reboot", "swapon", "swapoff", "acct",
        "settimeofday", "clock_settime", "userfaultfd", "open_by_handle_at", "kcmp",
        "sethostname", "syslog", "clone", "clone3", "socket", "personality"}) {
    CHECK_FALSE_MESSAGE(names.contains(name), name);
  }
}

TEST_CASE("clone may not ask for a new namespace and clone3 says ENOSYS") {
  auto profile = *bundle_for(false).linux_.seccomp;
  const auto* clone = rule_for(profile, "clone");
  REQUIRE(clone);
  CHECK(clone->action == "SCMP_ACT_ALLOW");
  REQUIRE(clone->args.size() == 1);
  CHECK(clone->args[0].index == 0);
  CHECK(clone->args[0].op == "SCMP_CMP_MASKED_EQ");
  CHECK(clone->args[0].value == 0x7E020000);  // every CLONE_NEW* flag
  CHECK(clone->args[0].value_two == 0);
  const auto* clone3 = rule_for(profile, "clone3");
  REQUIRE(clone3);
  CHECK(clone3->action == "SCMP_ACT_ERRNO");
  CHECK(clone3->errno_ret == ENOSYS);
}

TEST_CASE("socket refuses AF_VSOCK and personality allows only the harmless personas") {
  auto profile = *bundle_for(false).linux_.seccomp;
  const auto* socket = rule_for(profile, "socket");
  REQUIRE(socket);
  REQUIRE(socket->args.size() == 1);
  CHECK(socket->args[0].op == "SCMP_CMP_NE");
  CHECK(socket->args[0].value == 40);
  std::vector<uint64_t> personas;
  for (const auto& rule : profile.syscalls) {
    if (rule.names != Strings{"personality"}) continue;
    REQUIRE(rule.args.size() == 1);
    CHECK(rule.args[0].op == "SCMP_CMP_EQ");
    personas.push_back(rule.args[0].value);
  }
  CHECK(personas == std::vector<uint64_t>{0x0, 0x8, 0x20000, 0x20008, 0xffffffff});
}

TEST_CASE("a privileged container gets no seccomp filter at all") {
  CHECK_FALSE(bundle_for(true).linux_.seccomp);
  Bundle filtered = bundle_for(false);
  DesiredSpec spec;
  spec.privileged = true;
  auto bundle = SeccompRule{}.apply(filtered, spec);
  REQUIRE(bundle);
  CHECK_FALSE(bundle->linux_.seccomp);
}

TEST_CASE("a capability the container holds opens the calls it guards") {
  auto profile = default_seccomp_profile({"CAP_SYS_ADMIN", "CAP_SYS_TIME", "CAP_SYS_PTRACE"});
  auto names = allowed(profile);
  for (const char* name : {"unshare", "setns", "mount", "clone", "clone3", "bpf",
                           "settimeofday", "clock_settime", "kcmp"}) {
    CHECK_MESSAGE(names.contains(name), name);
  }
  for (const char* name : {"reboot", "init_module", "keyctl", "chroot", "open_by_handle_at"}) {
    CHECK_FALSE_MESSAGE(names.contains(name), name);
  }
  for (const auto& rule : profile.syscalls) CHECK(rule.action == "SCMP_ACT_ALLOW");
}

TEST_CASE("the allowlist names each call once, however many capabilities open it") {
  auto profile = default_seccomp_profile(all_capabilities());
  Strings names = profile.syscalls.front().names;
  auto unique = std::set<std::string>(names.begin(), names.end());
  CHECK(unique.size() == names.size());
  CHECK(unique.contains("syslog"));
  CHECK(unique.contains("perf_event_open"));
}

TEST_CASE("make_bundler writes the profile for unprivileged and none for privileged") {
  test::TempDir dir;
  DesiredSpec spec;
  spec.handle = "web-1";
  spec.rootfs_path = dir / "rootfs";
  auto plain = make_bundler({"/opt/dmc/dmc-init", "/dmc"}).generate(spec);
  REQUIRE(plain);
  auto doc = test::parse_json(oci::to_json(*plain));
  CHECK(test::str_at(doc, "/linux/seccomp/defaultAction") == "SCMP_ACT_ERRNO");
  CHECK(test::uint_at(doc, "/linux/seccomp/defaultErrnoRet") == 1);
  spec.privileged = true;
  auto privileged = make_bundler({"/opt/dmc/dmc-init", "/dmc"}).generate(spec);
  REQUIRE(privileged);
  CHECK_FALSE(test::has(test::parse_json(oci::to_json(*privileged)), "/linux/seccomp"));
}
