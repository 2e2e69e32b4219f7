#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "fake_rootfs.hpp"
#include "process_tracker/process_builder.hpp"

using namespace dmc;
using dmc::process_tracker::build_process;
using dmc::process_tracker::ProcessSpec;
using dmc::test::FakeRootfs;
using dmc::test::stat_of;
using Strings = std::vector<std::string>;

namespace {

const std::string kRootPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const std::string kUserPath = "PATH=/usr/local/bin:/usr/bin:/bin";

oci::Process container_template() {
  oci::Process p;
  p.env = {"CONTAINER_ENV=1", "TEST=hi"};
  p.capabilities.bounding = {"CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
  p.capabilities.effective = {"CAP_CHOWN", "CAP_KILL"};
  p.capabilities.inheritable = {"CAP_KILL"};
  p.capabilities.permitted = {"CAP_CHOWN", "CAP_KILL"};
  p.capabilities.ambient = {"CAP_KILL"};
  p.no_new_privileges = true;
  return p;
}

ProcessSpec spec_for(const std::string& user) {
  ProcessSpec spec;
  spec.path = "/bin/env";
  spec.user = user;
  return spec;
}

oci::Process build(const FakeRootfs& rootfs, const ProcessSpec& spec,
                   const oci::Process& container = container_template()) {
  auto got = build_process(spec, container, rootfs.path());
  REQUIRE_MESSAGE(got, got.error().message);
  return *got;
}

}  // namespace

TEST_CASE("build_process runs the path with its args as the resolved user") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("alice");
  spec.path = "sh";
  spec.args = {"-c", "echo hi"};
  auto p = build(rootfs, spec);
  CHECK(p.args == Strings{"sh", "-c", "echo hi"});
  CHECK(p.user.uid == 1000);
  CHECK(p.user.gid == 1000);
  CHECK(p.user.additional_gids == std::vector<uint32_t>{2000, 2001});
}

TEST_CASE("build_process needs a path") {
  FakeRootfs rootfs;
  auto got = build_process(spec_for(""), container_template(), rootfs.path());
  REQUIRE(got);
  ProcessSpec spec = spec_for("");
  spec.path.clear();
  got = build_process(spec, container_template(), rootfs.path());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::Invalid);
  CHECK(got.error().message == "a process needs a path");
}

TEST_CASE("build_process fails for a user unknown to the container") {
  FakeRootfs rootfs;
  auto got = build_process(spec_for("ghost"), container_template(), rootfs.path());
  REQUIRE_FALSE(got);
  CHECK(got.error().kind == ErrorKind::NotFound);
  CHECK(got.error().message == "unknown user 'ghost'");
}

TEST_CASE("build_process puts the process env after the container env, each name once") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("");
  spec.env = {"TEST=hello", "FRUIT=banana", "EMPTY=", "FRUIT=apple=red"};
  auto p = build(rootfs, spec);
  CHECK(p.env == Strings{"CONTAINER_ENV=1", "TEST=hello", "EMPTY=", "FRUIT=apple=red", kRootPath,
                         "USER=root"});
}

TEST_CASE("build_process adds PATH and USER for a non-root user") {
  FakeRootfs rootfs;
  CHECK(build(rootfs, spec_for("alice")).env ==
        Strings{"CONTAINER_ENV=1", "TEST=hi", kUserPath, "USER=alice"});
  CHECK(build(rootfs, spec_for("1001:1001")).env ==
        Strings{"CONTAINER_ENV=1", "TEST=hi", kUserPath, "USER=bob"});
  // No name for this uid: there is no USER to give.
  CHECK(build(rootfs, spec_for("5000")).env == Strings{"CONTAINER_ENV=1", "TEST=hi", kUserPath});
}

TEST_CASE("build_process keeps a PATH or USER already given") {
  FakeRootfs rootfs;
  oci::Process container = container_template();
  container.env = {"PATH=/container/bin", "LD_LIBRARY_PATH=/lib"};
  ProcessSpec spec = spec_for("alice");
  spec.env = {"USER=someone"};
  CHECK(build(rootfs, spec, container).env ==
        Strings{"PATH=/container/bin", "LD_LIBRARY_PATH=/lib", "USER=someone"});

  container.env = {"LD_LIBRARY_PATH=/lib", "SUPERUSER=x"};
  spec.env = {"PATH=/mine"};
  CHECK(build(rootfs, spec, container).env ==
        Strings{"LD_LIBRARY_PATH=/lib", "SUPERUSER=x", "PATH=/mine", "USER=alice"});
}

TEST_CASE("build_process rejects env entries that are not KEY=VALUE") {
  FakeRootfs rootfs;
  for (const std::string bad : {"NOEQUALS", "=value", ""}) {
    CAPTURE(bad);
    ProcessSpec spec = spec_for("");
    spec.env = {"GOOD=1", bad};
    auto got = build_process(spec, container_template(), rootfs.path());
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == ErrorKind::Invalid);
    CHECK(got.error().message == fmt::format("env: invalid entry '{}': expected KEY=VALUE", bad));
  }
}

TEST_CASE("build_process runs in the home dir and makes a missing one for the user") {
  FakeRootfs rootfs;
  CHECK(build(rootfs, spec_for("alice")).cwd == "/home/alice");
  CHECK_FALSE(path_exists(rootfs / "home/bob"));
  CHECK(build(rootfs, spec_for("bob")).cwd == "/home/bob");
  auto bob = stat_of(rootfs / "home/bob");
  CHECK(S_ISDIR(bob.mode));
  CHECK(bob.uid == 1001);
  CHECK(bob.gid == 1001);
  CHECK(stat_of(rootfs / "home").uid == 0);
  CHECK(build(rootfs, spec_for("")).cwd == "/root");
  CHECK(stat_of(rootfs / "root").uid == 0);
}

TEST_CASE("build_process runs in the root dir when the user has no home") {
  FakeRootfs rootfs;
  CHECK(build(rootfs, spec_for("nohome")).cwd == "/");
  CHECK(build(rootfs, spec_for("5000")).cwd == "/");
  CHECK(stat_of(rootfs.path()).uid == 0);
}

TEST_CASE("build_process makes the asked dir owned by the user") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("bob:2000");
  spec.dir = "/var/work//./app/";
  CHECK(build(rootfs, spec).cwd == "/var/work/app");
  for (const std::string dir : {"var", "var/work", "var/work/app"}) {
    CAPTURE(dir);
    auto st = stat_of(rootfs / dir);
    CHECK(st.uid == 1001);
    CHECK(st.gid == 2000);
  }
  CHECK_FALSE(path_exists(rootfs / "home/bob"));
}

TEST_CASE("build_process takes a relative dir from the user's home") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("alice");
  spec.dir = "projects/../src";
  CHECK(build(rootfs, spec).cwd == "/home/alice/src");
  CHECK(stat_of(rootfs / "home/alice/src").uid == 1000);
  spec.user = "5000";
  spec.dir = "data";
  CHECK(build(rootfs, spec).cwd == "/data");
}

TEST_CASE("build_process fails when the working dir cannot be made") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("alice");
  spec.dir = "/etc/passwd/sub";
  auto got = build_process(spec, container_template(), rootfs.path());
  REQUIRE_FALSE(got);
  CHECK(got.error().message == fmt::format("create working directory: open /etc/passwd in {}: "
                                           "Not a directory",
                                           rootfs.path()));
}

TEST_CASE("build_process gives root the container capabilities, others bounding and inheritable") {
  FakeRootfs rootfs;
  const oci::Process container = container_template();
  auto root = build(rootfs, spec_for("")).capabilities;
  CHECK(root.bounding == container.capabilities.bounding);
  CHECK(root.effective == container.capabilities.effective);
  CHECK(root.inheritable == container.capabilities.inheritable);
  CHECK(root.permitted == container.capabilities.permitted);
  CHECK(root.ambient == container.capabilities.ambient);
  for (const std::string user : {"alice", "0:1000", "1000:0", "5000"}) {
    CAPTURE(user);
    auto caps = build(rootfs, spec_for(user)).capabilities;
    bool is_root = user.starts_with("0:");
    CHECK(caps.bounding == container.capabilities.bounding);
    CHECK(caps.effective == (is_root ? container.capabilities.effective : Strings{}));
    CHECK(caps.inheritable == container.capabilities.inheritable);
    CHECK(caps.permitted == (is_root ? container.capabilities.permitted : Strings{}));
    CHECK(caps.ambient == (is_root ? container.capabilities.ambient : Strings{}));
  }
}

TEST_CASE("build_process copies rlimits and no_new_privileges") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("");
  CHECK(build(rootfs, spec).rlimits.empty());
  spec.rlimits = {{"RLIMIT_NOFILE", 4096, 1024}};
  auto p = build(rootfs, spec);
  REQUIRE(p.rlimits.size() == 1);
  CHECK(p.rlimits[0].type == "RLIMIT_NOFILE");
  CHECK(p.rlimits[0].hard == 4096);
  CHECK(p.rlimits[0].soft == 1024);
  CHECK(p.no_new_privileges);
  oci::Process container = container_template();
  container.no_new_privileges = false;
  CHECK_FALSE(build(rootfs, spec, container).no_new_privileges);
}

TEST_CASE("build_process sets a terminal and its size only with tty") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("");
  auto plain = build(rootfs, spec);
  CHECK_FALSE(plain.terminal);
  CHECK_FALSE(plain.console_size);

  spec.tty = true;
  auto tty = build(rootfs, spec);
  CHECK(tty.terminal);
  REQUIRE(tty.console_size);
  CHECK(tty.console_size->width == 80);
  CHECK(tty.console_size->height == 24);

  spec.window = oci::ConsoleSize{50, 132};
  auto sized = build(rootfs, spec);
  REQUIRE(sized.console_size);
  CHECK(sized.console_size->width == 132);
  CHECK(sized.console_size->height == 50);
}

TEST_CASE("build_process gives a tty process TERM=xterm unless it has a TERM") {
  FakeRootfs rootfs;
  ProcessSpec spec = spec_for("");
  auto has = [](const oci::Process& p, const std::string& entry) {
    return std::find(p.env.begin(), p.env.end(), entry) != p.env.end();
  };
  CHECK_FALSE(has(build(rootfs, spec), "TERM=xterm"));
  spec.tty = true;
  CHECK(has(build(rootfs, spec), "TERM=xterm"));
  spec.env = {"TERM=vt100"};
  auto own = build(rootfs, spec);
  CHECK(has(own, "TERM=vt100"));
  CHECK_FALSE(has(own, "TERM=xterm"));
}
