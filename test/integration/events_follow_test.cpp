// dmc events --follow on the real runtime, run as a child as a user runs it.
#include <fcntl.h>
#include <signal.h>

#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/child.hpp"
#include "common/clock.hpp"
#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using Lines = std::vector<std::string>;

namespace {

// `dmc events --follow --json args...` writing into a file of the test's.
struct Following {
  Following(DmcEnv& env, Lines args) : path(env.temp() / "follow.out") {
    UniqueFd out(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    REQUIRE(out);
    args.insert(args.begin(), {"events", "--follow", "--json"});
    auto started = spawn_child({.argv = env.dmc_argv(args), .stdout_fd = out.get()});
    REQUIRE(started);
    child = std::move(*started);
  }
  // The lines printed so far, without their times.
  [[nodiscard]] Lines lines() const {
    Lines out;
    std::istringstream in(read_file(path).value_or(""));
    for (std::string line; std::getline(in, line);) {
      auto comma = line.find(',');
      out.push_back(comma == std::string::npos ? line : "{" + line.substr(comma + 1));
    }
    return out;
  }
  std::string path;
  Child child;
};

std::string ev(const std::string& h, const std::string& type, const std::string& fields = "") {
  return "{\"handle\":\"" + h + "\",\"type\":\"" + type + "\"" + fields + "}";
}

}  // namespace

TEST_CASE("--follow prints the recorded events, then an exit and a create that happen after") {
  DmcEnv env;
  auto h = env.create();
  Following f(env, {});
  REQUIRE(eventually([&] { return f.lines() == Lines{ev(h, "create")}; }));
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "later", "--", "/bin/sh", "-c",
                   "while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 5"}).code == 0);
  auto other = env.create();
  Lines expected = {ev(h, "create"), ev(h, "start-process", ",\"process\":\"later\""),
                    ev(other, "create")};
  REQUIRE(eventually([&] { return f.lines() == expected; }));
  REQUIRE(env.exec(h, {"touch", "/tmp/go"}).code == 0);
  expected.push_back(ev(h, "exit", ",\"process\":\"later\",\"status\":5"));
  CHECK(eventually([&] { return f.lines() == expected; }));
  REQUIRE(env.dmc({"destroy", other}).code == 0);
  CHECK(eventually([&] { return f.lines().size() == 5 && f.lines()[4] == ev(other, "destroy"); }));
  REQUIRE(::kill(f.child.pid(), SIGTERM) == 0);
  auto exit = f.child.wait();
  REQUIRE(exit);
  CHECK(exit->code == 0);
  CHECK(f.lines().size() == 5);
}

TEST_CASE("--follow of one handle shows its events only, and the death of its init") {
  DmcEnv env;
  auto h = env.create();
  auto other = env.create();
  Following f(env, {h});
  REQUIRE(eventually([&] { return f.lines() == Lines{ev(h, "create")}; }));
  REQUIRE(env.dmc({"run", other, "--id", "p", "--", "true"}).code == 0);
  REQUIRE(::kill(env.init_pid(h), SIGKILL) == 0);
  CHECK(eventually([&] {
    return f.lines() == Lines{ev(h, "create"), ev(h, "exit", ",\"process\":\"init\"")};
  }));
  REQUIRE(::kill(f.child.pid(), SIGINT) == 0);
  CHECK(f.child.wait()->code == 0);
}

TEST_CASE("--follow with --until ends by itself once that time passes") {
  DmcEnv env;
  auto h = env.create();
  Following f(env, {"--until", rfc3339(now_ns() + 1'000'000'000)});
  auto exit = f.child.wait();
  REQUIRE(exit);
  CHECK(exit->code == 0);
  CHECK(f.lines() == Lines{ev(h, "create")});
}
