#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "runrunc/runtime.hpp"

using namespace dmc::runrunc;
using Argv = std::vector<std::string>;

namespace {

// Both runtimes take the very same command lines (checked on runc 1.1.5 and
// crun 1.8.1), so every case runs for each flavor.
RuntimeConfig config_for(Flavor flavor) {
  std::string name = flavor == Flavor::Crun ? "crun" : "runc";
  return RuntimeConfig{.binary = "/usr/bin/" + name,
                       .flavor = flavor,
                       .state_root = "/run/dmc/" + name,
                       .log_dir = "/run/dmc/" + name + "-logs",
                       .hide_hybrid_controllers = false};
}

Argv global_for(const RuntimeConfig& c) {
  return {c.binary, "--root", c.state_root, "--log", "/l/x.log", "--log-format", "json"};
}

Argv plus(Argv head, const Argv& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

}  // namespace

TEST_CASE("argv builders give exact command lines for runc and crun") {
  for (Flavor flavor : {Flavor::Runc, Flavor::Crun}) {
    auto c = config_for(flavor);
    auto g = global_for(c);
    const std::string log = "/l/x.log";
    CAPTURE(c.binary);
    CHECK(argv::global(c, log) == g);
    CHECK(argv::create(c, log, "web-1", {.bundle = "/d/web-1", .pid_file = "/d/web-1/pid"}) ==
          plus(g, {"create", "--bundle", "/d/web-1", "--pid-file", "/d/web-1/pid", "web-1"}));
    CHECK(argv::run_detached(c, log, "web-1", {.bundle = "/d/web-1", .pid_file = "/d/p"}) ==
          plus(g, {"run", "--detach", "--bundle", "/d/web-1", "--pid-file", "/d/p", "web-1"}));
    CHECK(argv::start(c, log, "web-1") == plus(g, {"start", "web-1"}));
    CHECK(argv::state(c, log, "web-1") == plus(g, {"state", "web-1"}));
    CHECK(argv::pause(c, log, "web-1") == plus(g, {"pause", "web-1"}));
    CHECK(argv::resume(c, log, "web-1") == plus(g, {"resume", "web-1"}));
    CHECK(argv::update(c, log, "web-1", "/t/r.json") ==
          plus(g, {"update", "--resources", "/t/r.json", "web-1"}));
  }
}

TEST_CASE("exec argv: detach and console socket only when asked") {
  for (Flavor flavor : {Flavor::Runc, Flavor::Crun}) {
    auto c = config_for(flavor);
    auto g = global_for(c);
    CAPTURE(c.binary);
    ExecOptions attached{.process_json = "/p/process.json", .pid_file = "/p/pid", .detach = false};
    CHECK(argv::exec(c, "/l/x.log", "web-1", attached) ==
          plus(g, {"exec", "--process", "/p/process.json", "--pid-file", "/p/pid", "web-1"}));
    ExecOptions detached{.process_json = "/p/process.json", .pid_file = "/p/pid"};
    CHECK(argv::exec(c, "/l/x.log", "web-1", detached) ==
          plus(g, {"exec", "--process", "/p/process.json", "--pid-file", "/p/pid", "--detach",
                   "web-1"}));
    ExecOptions tty{.process_json = "/p/process.json", .pid_file = "/p/pid",
                    .console_socket = "/p/console.sock"};
    CHECK(argv::exec(c, "/l/x.log", "web-1", tty) ==
          plus(g, {"exec", "--process", "/p/process.json", "--pid-file", "/p/pid", "--detach",
                   "--console-socket", "/p/console.sock", "web-1"}));
  }
}

TEST_CASE("exec argv: a sub-cgroup is one --cgroup=SUB token, only when asked") {
  for (Flavor flavor : {Flavor::Runc, Flavor::Crun}) {
    auto c = config_for(flavor);
    auto g = global_for(c);
    CAPTURE(c.binary);
    ExecOptions grouped{.process_json = "/p/process.json", .pid_file = "/p/pid",
                        .console_socket = "/p/console.sock", .cgroup = "web"};
    CHECK(argv::exec(c, "/l/x.log", "web-1", grouped) ==
          plus(g, {"exec", "--process", "/p/process.json", "--pid-file", "/p/pid", "--detach",
                   "--console-socket", "/p/console.sock", "--cgroup=web", "web-1"}));
  }
}

TEST_CASE("kill argv: --all before the id and the signal as a number last") {
  for (Flavor flavor : {Flavor::Runc, Flavor::Crun}) {
    auto c = config_for(flavor);
    auto g = global_for(c);
    CAPTURE(c.binary);
    CHECK(argv::kill(c, "/l/x.log", "web-1", 9, false) == plus(g, {"kill", "web-1", "9"}));
    CHECK(argv::kill(c, "/l/x.log", "web-1", 15, true) ==
          plus(g, {"kill", "--all", "web-1", "15"}));
  }
}

TEST_CASE("delete argv: --force only when asked") {
  for (Flavor flavor : {Flavor::Runc, Flavor::Crun}) {
    auto c = config_for(flavor);
    auto g = global_for(c);
    CAPTURE(c.binary);
    CHECK(argv::remove(c, "/l/x.log", "web-1", false) == plus(g, {"delete", "web-1"}));
    CHECK(argv::remove(c, "/l/x.log", "web-1", true) == plus(g, {"delete", "--force", "web-1"}));
  }
}
