// The built-in default rootfs as a Garden client uses it (section 11 of the
// Garden protocol): the paths it runs, and users added with its own
// adduser and addgroup (busybox-static has neither applet), then run as.
#include <sstream>

#include <doctest/doctest.h>

#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// `dmc run H [--user U] -- /bin/sh -c script`, attached.
RunOutput sh(DmcEnv& env, const std::string& h, const std::string& script,
             const std::string& user = "") {
  std::vector<std::string> args = {"run", h};
  if (!user.empty()) args.insert(args.end(), {"--user", user});
  args.insert(args.end(), {"--", "/bin/sh", "-c", script});
  return env.dmc(args);
}

// Mode, owner and group of `ls -ld path` in the container.
std::string mode_and_owners(DmcEnv& env, const std::string& h, const std::string& path) {
  auto r = env.dmc({"run", h, "--", "ls", "-ld", path});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  std::istringstream in(r.out);
  std::string mode, links, owner, group;
  in >> mode >> links >> owner >> group;
  return mode + " " + owner + " " + group;
}

// The line Garden's integration tests run to make sure a user exists.
const std::string kEnsureAlice = "id -u alice || adduser -D alice";

}  // namespace

TEST_CASE("the default rootfs has the files and paths a Garden client relies on") {
  DmcEnv env;
  auto h = env.create();
  auto r = sh(env, h,
              "head -n1 /etc/passwd; grep '^root:' /etc/group; "
              "stat -c '%n %a %U' /tmp /root /home /usr; "
              "for p in /bin/sh /bin/sleep /bin/true /bin/kill; do test -x $p && echo $p; done; "
              "command -v adduser; command -v addgroup; touch /root/mine && echo root writes /root");
  CHECK(r.code == 0);
  CHECK(r.err == "");
  CHECK(r.out ==
        "root:x:0:0:root:/root:/bin/sh\n"
        "root:x:0:\n"
        "/tmp 1777 root\n/root 700 root\n/home 755 root\n/usr 755 root\n"
        "/bin/sh\n/bin/sleep\n/bin/true\n/bin/kill\n"
        "/usr/sbin/adduser\n/usr/sbin/addgroup\n"
        "root writes /root\n");
}

TEST_CASE("adduser -D adds a user with its own group and home, whom processes run as") {
  DmcEnv env;
  auto h = env.create();
  auto added = sh(env, h, kEnsureAlice);
  CHECK(added.code == 0);
  CHECK(added.out == "");

  auto id = env.dmc({"run", h, "--user", "alice", "--", "id"});
  CHECK(id.code == 0);
  CHECK(id.out == "uid=1000(alice) gid=1000(alice)\n");
  CHECK(mode_and_owners(env, h, "/home/alice") == "drwxr-xr-x alice alice");
  auto home = sh(env, h, "echo $HOME; pwd; touch ~/mine && stat -c %U ~/mine", "alice");
  CHECK(home.code == 0);
  CHECK(home.out == "/home/alice\n/home/alice\nalice\n");

  SUBCASE("the same line again finds alice and adds no one") {
    auto again = sh(env, h, kEnsureAlice);
    CHECK(again.code == 0);
    CHECK(again.out == "1000\n");
    CHECK(sh(env, h, "grep -c '^alice:' /etc/passwd /etc/group").out ==
          "/etc/passwd:1\n/etc/group:1\n");
  }
  SUBCASE("the next user gets the next id, and a group of its own") {
    REQUIRE(sh(env, h, "adduser -D bob").code == 0);
    CHECK(sh(env, h, "id -u bob; id -g bob; grep '^bob:' /etc/group").out ==
          "1001\n1001\nbob:x:1001:\n");
    CHECK(mode_and_owners(env, h, "/home/bob") == "drwxr-xr-x bob bob");
  }
}

TEST_CASE("adduser refuses a name in use or not a name, and changes nothing") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(sh(env, h, "adduser -D alice").code == 0);
  std::string files = "cat /etc/passwd /etc/group; ls /home";
  auto before = sh(env, h, files).out;

  auto taken = sh(env, h, "adduser -D alice");
  CHECK(taken.code == 1);
  CHECK(taken.err == "adduser: user 'alice' in use\n");
  auto bad = sh(env, h, "adduser -D 'x:0:0'");
  CHECK(bad.code == 1);
  CHECK(bad.err == "adduser: illegal name 'x:0:0'\n");
  auto none = sh(env, h, "adduser -D");
  CHECK(none.code == 1);
  CHECK(sh(env, h, files).out == before);
}

TEST_CASE("addgroup adds a group and members, whose processes run with it") {
  DmcEnv env;
  auto h = env.create();
  auto r = sh(env, h, "adduser -D alice && addgroup -g 2000 staff && addgroup alice staff && "
                      "addgroup alice staff && grep '^staff:' /etc/group");
  CHECK(r.code == 0);
  CHECK(r.out == "staff:x:2000:alice\n");
  auto id = env.dmc({"run", h, "--user", "alice", "--", "id"});
  CHECK(id.code == 0);
  CHECK(id.out.starts_with("uid=1000(alice) gid=1000(alice) groups="));
  CHECK(id.out.find("2000(staff)") != std::string::npos);
  auto next = sh(env, h, "addgroup ops && grep '^ops:' /etc/group");
  CHECK(next.out == "ops:x:1001:\n");
}

TEST_CASE("users added in one container are not in the next one") {
  DmcEnv env;
  auto first = env.create();
  REQUIRE(sh(env, first, kEnsureAlice).code == 0);
  auto second = env.create();
  auto r = sh(env, second, "id -u alice; test -e /home/alice || echo no home");
  CHECK(r.code == 0);
  CHECK(r.out == "no home\n");
  CHECK(r.err == "id: unknown user alice\n");
  REQUIRE(sh(env, second, "adduser -D carol").code == 0);
  CHECK(sh(env, second, "id -u carol").out == "1000\n");
}
