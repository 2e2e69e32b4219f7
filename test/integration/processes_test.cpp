// dmc run / attach / signal / ps on the real runtime, as a user sees them.
#include <signal.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

int sockets_of(int pid) {
  auto out = run({"ls", "-l", "/proc/" + std::to_string(pid) + "/fd"}).out;
  int n = 0;
  for (size_t at = out.find("socket:"); at != std::string::npos; at = out.find("socket:", at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("run exits with the process's exit code") {
  DmcEnv env;
  auto h = env.create();
  for (int code : {0, 1, 42}) {
    auto r = env.dmc({"run", h, "--", "/bin/sh", "-c", "exit " + std::to_string(code)});
    CHECK(r.code == code);
    CHECK(r.err == "");
  }
}

TEST_CASE("stdout and stderr are kept apart, byte for byte") {
  DmcEnv env;
  auto h = env.create();
  auto r = env.dmc({"run", h, "--", "/bin/sh", "-c", "printf 'out\\n'; printf 'err' >&2; printf 'more out'"});
  CHECK(r.code == 0);
  CHECK(r.out == "out\nmore out");
  CHECK(r.err == "err");
}

TEST_CASE("stdin reaches the process and its EOF ends it") {
  DmcEnv env;
  auto h = env.create();
  std::string input;
  for (int i = 0; i < 100000; ++i) input += std::to_string(i * 7919 % 100003) + "\n";
  auto r = env.dmc({"run", h, "/bin/cat"}, input);
  CHECK(r.code == 0);
  CHECK(r.out.size() == input.size());
  CHECK(r.out == input);
}

TEST_CASE("env, user and working dir follow Garden's rules") {
  DmcEnv env;
  auto h = env.create({"--env", "FROM_CONTAINER=c", "--env", "BOTH=container"});
  auto r = env.dmc({"run", h, "--env", "BOTH=process", "--user", "nobody", "--dir", "/tmp/work/deep",
                    "--", "/bin/sh", "-c", "echo $FROM_CONTAINER $BOTH $USER; id -u; id -g; pwd; stat -c %u /tmp/work/deep"});
  CHECK(r.code == 0);
  CHECK(r.out == "c process nobody\n65534\n65534\n/tmp/work/deep\n65534\n");
  auto root = env.dmc({"run", h, "--", "/bin/sh", "-c", "id -u; pwd; echo $USER"});
  CHECK(root.out == "0\n/root\nroot\n");
}

TEST_CASE("an unknown user is a clear error and nothing runs") {
  DmcEnv env;
  auto h = env.create();
  auto r = env.dmc({"run", h, "--user", "nosuchuser", "--", "/bin/true"});
  CHECK(r.code == 125);
  CHECK(r.err == "dmc: unknown user 'nosuchuser'\n");
  CHECK(env.dmc({"ps", h, "--json"}).out == "[]\n");
}

TEST_CASE("rlimits are applied to the process") {
  DmcEnv env;
  auto h = env.create();
  auto r = env.dmc({"run", h, "--rlimit", "nofile=1024", "--", "/bin/sh", "-c", "ulimit -n"});
  CHECK(r.code == 0);
  CHECK(r.out == "1024\n");
}

TEST_CASE("signals end a process with 128 plus the signal") {
  DmcEnv env;
  auto h = env.create();
  for (auto [name, code] : {std::pair{"KILL", 137}, std::pair{"TERM", 143}}) {
    CAPTURE(name);
    std::string id = std::string("sleeper-") + name;
    REQUIRE(env.dmc({"run", h, "--detach", "--id", id, "--", "/bin/sleep", "1000"}).code == 0);
    auto sent = env.dmc({"signal", h, id, "--signal", name});
    CHECK(sent.code == 0);
    auto r = env.dmc({"attach", h, id});
    CHECK(r.code == code);
  }
}

TEST_CASE("a detached process can be attached later, and again after it ended") {
  DmcEnv env;
  auto h = env.create();
  auto started = env.dmc({"run", h, "--detach", "--id", "job", "--", "/bin/sh", "-c",
                          "echo one; echo two >&2; exit 3"});
  REQUIRE(started.code == 0);
  CHECK(started.out == "job\n");
  auto first = env.dmc({"attach", h, "job"});
  CHECK(first.code == 3);
  CHECK(first.out == "one\n");
  CHECK(first.err == "two\n");
  auto second = env.dmc({"attach", h, "job"});  // the output was delivered: only the status
  CHECK(second.code == 3);
  CHECK(second.out == "");
  CHECK(second.err == "");
}

TEST_CASE("ps lists processes with their state and exit status") {
  DmcEnv env;
  auto h = env.create();
  auto done = env.dmc({"run", h, "--id", "done", "--", "/bin/sh", "-c", "exit 4"});
  REQUIRE_MESSAGE(done.code == 4, done.err);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "live", "--", "/bin/sleep", "1000"}).code == 0);
  auto r = env.dmc({"ps", h});
  CHECK(r.code == 0);
  CHECK(r.out.find("done") != std::string::npos);
  auto json = env.dmc({"ps", h, "--json"});
  CHECK(json.out.find("\"id\": \"done\"") != std::string::npos);
  CHECK(json.out.find("\"state\": \"exited\",\n    \"exit_status\": 4") != std::string::npos);
  CHECK(json.out.find("\"state\": \"running\",\n    \"exit_status\": null") != std::string::npos);
}

TEST_CASE("process errors are one line and distinct from the process's codes") {
  DmcEnv env;
  auto h = env.create();
  auto missing = env.dmc({"run", h, "--", "/no/such/program"});
  CHECK(missing.code == 127);
  CHECK(missing.err.starts_with("dmc: " + env.runtime() + " exec: "));
  CHECK(missing.err.find("/no/such/program") != std::string::npos);
  CHECK(std::count(missing.err.begin(), missing.err.end(), '\n') == 1);

  auto unknown = env.dmc({"attach", h, "nope"});
  CHECK(unknown.code == 125);
  CHECK(unknown.err == "dmc: unknown process: nope\n");
  auto no_container = env.dmc({"run", "nosuch", "--", "/bin/true"});
  CHECK(no_container.code == 125);
  CHECK(no_container.err == "dmc: unknown handle: nosuch\n");
  auto bad_id = env.dmc({"run", h, "--id", "../x", "--", "/bin/true"});
  CHECK(bad_id.code == 125);
  CHECK(bad_id.err.starts_with("dmc: invalid process id '../x'"));
}

TEST_CASE("a taken process id is refused and attaching to it works") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "taken", "--", "/bin/sh", "-c", "sleep 0.3; echo first"}).code == 0);
  auto again = env.dmc({"run", h, "--id", "taken", "--", "/bin/echo", "second"});
  CHECK(again.code == 125);
  CHECK(again.err == "dmc: process id 'taken' already in use\n");
  auto attached = env.dmc({"attach", h, "taken"});
  CHECK(attached.code == 0);
  CHECK(attached.out == "first\n");
}

TEST_CASE("several attachers all get the live output and the exit status") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "shared", "--", "/bin/sh", "-c",
                   "while [ ! -e /tmp/go ]; do sleep 0.05; done; echo hello; exit 3"}).code == 0);
  std::vector<std::array<UniqueFd, 2>> pipes;
  std::vector<Child> attachers;
  for (int i = 0; i < 3; ++i) {
    pipes.push_back(make_pipe());
    auto child = spawn_child({.argv = env.dmc_argv({"attach", "--no-stdin", h, "shared"}),
                              .stdout_fd = pipes.back()[1].get()});
    REQUIRE(child);
    attachers.push_back(std::move(*child));
    pipes.back()[1].reset();
  }
  // Three clients connected: the shim holds its listener and three sockets.
  auto shim = read_file(env.depot() + "/" + h + "/processes/shared/shim.pid").value_or("0");
  REQUIRE(eventually([&] { return sockets_of(std::atoi(shim.c_str())) == 4; }));
  REQUIRE(env.exec(h, {"/bin/touch", "/tmp/go"}).code == 0);
  for (size_t i = 0; i < attachers.size(); ++i) {
    CHECK(read_all(pipes[i][0].get()) == "hello\n");
    auto exit = attachers[i].wait();
    REQUIRE(exit);
    CHECK(exit->code == 3);
  }
}
