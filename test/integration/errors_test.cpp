// Bad input gets one clear line, a non-zero exit, and changes nothing.
#include <stdio.h>

#include <algorithm>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// What is in the depot root, as `ls -a` sees it.
std::string depot_listing(DmcEnv& env) {
  return run({"ls", "-A", env.depot()}).out;
}

void check_nothing_made(DmcEnv& env, const std::string& handle) {
  CHECK(depot_listing(env) == "");
  CHECK(env.dmc({"list"}).out == "");
  CHECK(mounts_under(env.depot()).empty());
  if (!handle.empty() && handle.find('/') == std::string::npos) {
    CHECK(cgroup_dirs("/dmc/" + handle).empty());
  }
}

}  // namespace

TEST_CASE("invalid handles are refused before anything is touched") {
  DmcEnv env;
  REQUIRE(make_dirs(env.depot()));
  for (std::string bad : std::vector<std::string>{"../x", "", "a/b", ".hidden", "-x", "a b", std::string(129, 'a')}) {
    CAPTURE(bad);
    auto r = env.dmc({"create", "--handle", bad});
    CHECK(r.code == 1);
    CHECK(r.err.starts_with("dmc: invalid handle '"));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    check_nothing_made(env, bad);
  }
  auto info = env.dmc({"info", "../x"});
  CHECK(info.code == 1);
  CHECK(info.err.starts_with("dmc: invalid handle '../x'"));
}

TEST_CASE("a duplicate handle is refused and the first container is untouched") {
  DmcEnv env;
  auto h = env.create();
  int pid = env.init_pid(h);
  auto r = env.dmc({"create", "--handle", h});
  CHECK(r.code == 1);
  CHECK(r.err == "dmc: handle '" + h + "' already in use\n");
  CHECK(process_alive(pid));
  CHECK(env.dmc({"list"}).out == h + "\n");
  CHECK(env.exec(h, {"/bin/true"}).code == 0);
}

TEST_CASE("unknown handles give Garden's error") {
  DmcEnv env;
  for (const auto& cmd : {"info", "destroy"}) {
    auto r = env.dmc({cmd, "nope"});
    CHECK(r.code == 1);
    CHECK(r.err == "dmc: unknown handle: nope\n");
  }
}

TEST_CASE("a missing rootfs is refused and leaves nothing") {
  DmcEnv env;
  std::string h = env.handle();
  auto r = env.dmc({"create", "--handle", h, "--rootfs", "/nonexistent/rootfs"});
  CHECK(r.code == 1);
  CHECK(r.err == "dmc: rootfs '/nonexistent/rootfs': No such file or directory\n");
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
}

TEST_CASE("a missing bind mount source is refused and leaves nothing") {
  DmcEnv env;
  std::string h = env.handle();
  auto r = env.dmc({"create", "--handle", h, "--bind-mount", "/nonexistent/src:/mnt"});
  CHECK(r.code == 1);
  CHECK(r.err.find("/nonexistent/src") != std::string::npos);
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
}

TEST_CASE("a runtime failure during create rolls everything back") {
  DmcEnv env;
  std::string h = env.handle();
  // A bind mount onto a destination the runtime cannot create: /proc/x is
  // inside procfs, so runtime create fails after dmc made the depot dir,
  // the overlay mount and (maybe) cgroups.
  TempDir shared;
  auto r = env.dmc({"create", "--handle", h, "--bind-mount", shared.path() + ":/proc/dmc-test"});
  CHECK(r.code == 1);
  CHECK(r.err.starts_with("dmc: " + env.runtime() + " run: exit status"));
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(mounts_under(env.depot()).empty());
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK_FALSE(path_exists(env.state_root() + "/" + h));
}

TEST_CASE("bad sizes and counts are usage errors with the value named") {
  DmcEnv env;
  auto r = env.dmc({"create", "--memory", "lots"});
  CHECK(r.code == 2);
  CHECK(r.err == "dmc: invalid size 'lots': must start with a number\n");
  auto shares = env.dmc({"create", "--cpu-shares", "1"});
  CHECK(shares.code == 2);
  CHECK(shares.err == "dmc: invalid cpu shares '1': must be from 2 to 262144\n");
  check_nothing_made(env, "");
}

TEST_CASE("invalid option values of create are usage errors that make nothing") {
  DmcEnv env;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--memory", "abc"},
           {"--cpu-shares", "x"},
           {"--pids", "0"},
           {"--bind-mount", "nocolon"},
           {"--property", "=v"},
           {"--property", "a\nb=v"},
       }) {
    std::string h = env.handle();
    args.insert(args.begin(), {"create", "--handle", h});
    CAPTURE(args);
    auto r = env.dmc(args);
    CHECK(r.code == 2);
    CHECK(r.err.starts_with("dmc: invalid "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.out == "");
    check_nothing_made(env, h);
  }
}

TEST_CASE("invalid option values of other commands are usage errors that change nothing") {
  DmcEnv env;
  auto h = env.create({"--memory", "32M"});
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "sleeper", "--", "/bin/sleep", "100"}).code == 0);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"stop", h, "--grace", "-5s"},
           {"stop", h, "--grace", "soon"},
           {"signal", h, "sleeper", "--signal", "NOPE"},
           {"run", h, "--spool-cap", "0", "--", "/bin/touch", "/ran"},
           {"run", h, "--rlimit", "nofile=lots", "--", "/bin/touch", "/ran"},
           {"run", h, "--rlimit", "nosuch=1", "--", "/bin/touch", "/ran"},
           {"limit", h, "--memory", "abc"},
           {"limit", h, "--pids", "0"},
           {"property", h, "=v"},
           {"property", h, "a\nb=v"},
       }) {
    CAPTURE(args);
    auto r = env.dmc(args);
    CHECK(r.code == 2);
    CHECK(r.err.starts_with("dmc: invalid "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  auto ps = env.dmc({"ps", h});
  CHECK(ps.out.find("running") != std::string::npos);  // the sleeper was not signalled
  CHECK(ps.out.find("touch") == std::string::npos);    // and nothing else ran
  CHECK(env.exec(h, {"/bin/ls", "/ran"}).code != 0);
  CHECK(cgroup_file("memory", h, "memory.limit_in_bytes") == "33554432\n");
  CHECK(env.dmc({"property", h}).out == "{\n  \"properties\": {}\n}\n");
}

TEST_CASE("an unknown option is one plain line naming it and the help to read") {
  DmcEnv env;
  auto flag = env.dmc({"create", "--no-such-flag"});
  CHECK(flag.code == 2);
  CHECK(flag.err == "dmc: unknown option '--no-such-flag' (see 'dmc create --help')\n");
  check_nothing_made(env, "");
  auto with_value = env.dmc({"list", "--colour=always"});
  CHECK(with_value.code == 2);
  CHECK(with_value.err == "dmc: unknown option '--colour' (see 'dmc list --help')\n");
  auto global = env.dmc({"--bogus", "list"});
  CHECK(global.code == 2);
  CHECK(global.err == "dmc: unknown option '--bogus' (see 'dmc --help')\n");
  auto missing_value = env.dmc({"create", "--memory"});
  CHECK(missing_value.code == 2);
  CHECK(missing_value.err ==
        "dmc: option 'memory' is missing an argument (see 'dmc create --help')\n");
}

TEST_CASE("dmc --help lists every command with its summary apart") {
  DmcEnv env;
  auto help = env.dmc({"--help"});
  CHECK(help.code == 0);
  CHECK(help.out.find("  stream-out  write a tar stream") != std::string::npos);
  CHECK(help.out.find("  create      create a container") != std::string::npos);
  CHECK(help.out.find("stream-outwrite") == std::string::npos);
}

TEST_CASE("run exits 127 for a missing program and 126 for one that cannot be executed") {
  DmcEnv env;
  auto h = env.create();
  struct Case {
    const char* path;
    int code;
  };
  for (auto [path, code] : {
           Case{"/nonexistent", 127},
           Case{"nosuchprog", 127},
           Case{"/etc/passwd/x", 127},
           Case{"/etc", 126},
           Case{"/etc/passwd", 126},
       }) {
    CAPTURE(path);
    auto r = env.dmc({"run", h, "--", path});
    CHECK(r.code == code);
    CHECK(r.err.starts_with("dmc: " + env.runtime() + " exec: exit status "));
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  CHECK(env.dmc({"ps", h, "--json"}).out == "[]\n");
}

TEST_CASE("run exits 125 when the runtime's state of the container is gone") {
  DmcEnv env;
  auto h = env.create();
  const std::string state = env.state_root() + "/" + h;
  REQUIRE(::rename(state.c_str(), (state + ".away").c_str()) == 0);
  auto r = env.dmc({"run", h, "--", "/bin/true"});
  auto missing = env.dmc({"run", h, "--", "/nonexistent"});
  REQUIRE(::rename((state + ".away").c_str(), state.c_str()) == 0);  // so that destroy works
  CHECK(r.code == 125);
  CHECK(r.err.starts_with("dmc: " + env.runtime() + " exec: "));
  CHECK(missing.code == 125);
}

TEST_CASE("stream-in refuses an empty destination and an empty stream and changes nothing") {
  DmcEnv env;
  auto h = env.create();
  auto tar = run({"tar", "-c", "-f", "-", "-C", "/etc", "hostname"});
  REQUIRE(tar.code == 0);
  auto no_dest = env.dmc({"stream-in", h, "--dest", ""}, tar.out);
  CHECK(no_dest.code == 2);
  CHECK(no_dest.err == "dmc: --dest must not be empty (see 'dmc stream-in --help')\n");
  CHECK(env.exec(h, {"/bin/ls", "/root/hostname"}).code != 0);

  auto empty = env.dmc({"stream-in", h, "--dest", "/new/dir"}, "");
  CHECK(empty.code == 1);
  CHECK(empty.err.ends_with("empty tar stream\n"));
  CHECK(std::count(empty.err.begin(), empty.err.end(), '\n') == 1);
  CHECK(env.exec(h, {"/bin/ls", "/new"}).code != 0);

  auto no_src = env.dmc({"stream-out", h, "--src", ""});
  CHECK(no_src.code == 2);
  CHECK(no_src.out == "");
}

TEST_CASE("leftovers of a crashed create are cleaned by the next create") {
  DmcEnv env;
  REQUIRE(make_dirs(env.depot() + "/.tmp-crashed-abc123/rootfs"));
  REQUIRE(make_dirs(env.depot() + "/half-made/rootfs"));
  auto h = env.create();
  CHECK(depot_listing(env) == h + "\n");
}

TEST_CASE("a container is run, updated and destroyed by the runtime that made it") {
  DmcEnv env;
  auto h = env.create();
  std::string other = env.runtime() == "runc" ? "crun" : "runc";
  auto with_other = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {std::string(DMC_BIN_DIR) + "/dmc", "--depot", env.depot(),
                                     "--state-root", env.state_root(), "--runtime", other};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
  };
  // The other runtime would not find the container: these work only when
  // dmc drives the container with its own runtime, whatever --runtime says.
  auto ran = with_other({"run", h, "--", "/bin/echo", "hi"});
  CHECK(ran.code == 0);
  CHECK(ran.out == "hi\n");
  CHECK(with_other({"limit", h, "--pids", "10"}).code == 0);
  CHECK(cgroup_file("pids", h, "pids.max") == "10\n");
  auto destroyed = with_other({"destroy", h});
  CHECK(destroyed.code == 0);
  CHECK(env.dmc({"list"}).out == "");
  CHECK_FALSE(path_exists(env.state_root() + "/" + h));
}

TEST_CASE("new containers get crun when it is installed and no runtime is named") {
  DmcEnv env;
  std::string h = env.handle();
  auto r = run({std::string(DMC_BIN_DIR) + "/dmc", "--depot", env.depot(), "--state-root",
                env.state_root(), "create", "--handle", h});
  REQUIRE(r.code == 0);
  std::string state = read_text(env.depot() + "/" + h + "/state.json");
  bool crun_installed = path_exists("/usr/bin/crun") || path_exists("/usr/sbin/crun");
  CHECK(state.find(crun_installed ? "/crun\"" : "/runc\"") != std::string::npos);
  CHECK(state.find("\"runtime_root\":\"" + env.state_root() + "\"") != std::string::npos);
  CHECK(env.dmc({"destroy", h}).code == 0);
}
