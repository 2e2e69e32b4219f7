// What dmc says of a container is true of the machine: a dead init, a pid
// reused by another container's process, a create killed half way, a
// container left frozen. Each is reported as it is, refused where acting on
// it would reach the wrong place, and destroyed without a trace.
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string state_of(DmcEnv& env, const std::string& h) {
  auto r = env.dmc({"info", h});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto doc = json::parse(r.out, "info");
  REQUIRE(doc);
  return (*doc)["state"].GetString();
}

void kill_init(DmcEnv& env, const std::string& h) {
  int pid = env.init_pid(h);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(pid); }));
}

// Rewrites fields of a container's state.json, as a killed command or a
// reused pid leaves them.
void rewrite_state(DmcEnv& env, const std::string& h, const std::string& from,
                   const std::string& to) {
  const std::string file = env.depot() + "/" + h + "/state.json";
  auto text = read_file(file);
  REQUIRE(text);
  auto at = text->find(from);
  REQUIRE_MESSAGE(at != std::string::npos, *text);
  text->replace(at, from.size(), to);
  REQUIRE(atomic_write_file(file, *text));
}

std::string field(DmcEnv& env, const std::string& h, const char* name) {
  auto doc = json::parse_file(env.depot() + "/" + h + "/state.json");
  REQUIRE(doc);
  auto value = json::get_optional_int64(*doc, name);
  REQUIRE(value);
  REQUIRE(value->has_value());
  return std::to_string(**value);
}

void check_nothing_left(DmcEnv& env, const std::string& h) {
  CHECK(mounts_under(env.depot() + "/" + h).empty());
  CHECK(cgroup_dirs("/dmc/" + h).empty());
  CHECK_FALSE(path_exists(env.state_root() + "/" + h));
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(env.dmc({"list"}).out.find(h) == std::string::npos);
}

}  // namespace

TEST_CASE("a container whose init was killed is dead: refused, listed, destroyed cleanly") {
  DmcEnv env;
  auto h = env.create();
  kill_init(env, h);
  CHECK(state_of(env, h) == "dead");
  CHECK(env.dmc({"list"}).out == h + "\tdead\n");
  auto run = env.dmc({"run", h, "--", "/bin/true"});
  CHECK(run.code == 125);
  CHECK(run.err.starts_with("dmc: container " + h + " is not running: its init is gone"));
  auto out = env.dmc({"stream-out", h, "--src", "/etc"});
  CHECK(out.code == 1);
  CHECK(out.out.empty());
  CHECK(env.dmc({"stream-in", h, "--dest", "/x"}, "").code == 1);
  CHECK(env.dmc({"stop", h}).code == 1);
  auto destroyed = env.dmc({"destroy", h});
  CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
  check_nothing_left(env, h);
}

TEST_CASE("a dead init's pid, now another container's process, never leads into it") {
  DmcEnv env;
  auto a = env.create();
  auto b = env.create();
  REQUIRE(env.exec(b, {"/bin/sh", "-c", "echo secret > /etc/b-marker"}).code == 0);
  const std::string a_pid = std::to_string(env.init_pid(a));
  kill_init(env, a);
  // What a reused pid looks like to dmc: A's record names a live process,
  // which is B's init. (The faults suite makes a real reuse happen.)
  rewrite_state(env, a, "\"init_pid\":" + a_pid, "\"init_pid\":" + std::to_string(env.init_pid(b)));

  CHECK(state_of(env, a) == "dead");
  auto out = env.dmc({"stream-out", a, "--src", "/etc"});
  CHECK(out.code == 1);
  CHECK(out.out.find("b-marker") == std::string::npos);
  auto tar = env.dmc({"stream-out", b, "--src", "/etc/b-marker"});
  REQUIRE(tar.code == 0);
  CHECK(env.dmc({"stream-in", a, "--dest", "/from-a"}, tar.out).code == 1);
  CHECK(env.exec(b, {"/bin/ls", "/from-a"}).code != 0);
  CHECK(env.dmc({"run", a, "--", "/bin/true"}).code == 125);

  int b_init = env.init_pid(b);
  CHECK(env.dmc({"destroy", a}).code == 0);
  CHECK(process_alive(b_init));
  CHECK(state_of(env, b) == "running");
  CHECK(env.exec(b, {"/bin/cat", "/etc/b-marker"}).out == "secret\n");
  check_nothing_left(env, a);
}

TEST_CASE("the init's start time is recorded and proves its pid") {
  DmcEnv env;
  auto h = env.create();
  auto stat = read_file("/proc/" + std::to_string(env.init_pid(h)) + "/stat");
  REQUIRE(stat);
  auto after_comm = stat->substr(stat->rfind(')') + 2);
  std::vector<std::string> fields;
  for (size_t at = 0; at != std::string::npos;) {
    size_t space = after_comm.find(' ', at);
    fields.push_back(after_comm.substr(at, space == std::string::npos ? space : space - at));
    at = space == std::string::npos ? space : space + 1;
  }
  REQUIRE(fields.size() > 19);
  CHECK(field(env, h, "init_start_time") == fields[19]);  // field 22 of stat
  // The same pid with another start time is another process.
  rewrite_state(env, h, "\"init_start_time\":" + fields[19], "\"init_start_time\":1");
  CHECK(state_of(env, h) == "dead");
  CHECK(env.dmc({"run", h, "--", "/bin/true"}).code == 125);
  CHECK(env.dmc({"destroy", h}).code == 0);
  check_nothing_left(env, h);
}

TEST_CASE("a create killed before it finished is listed incomplete and destroyed") {
  DmcEnv env;
  auto h = env.create();
  // Killed after the runtime started the init, before the record was done.
  rewrite_state(env, h, "\"status\":\"running\"", "\"status\":\"creating\"");
  rewrite_state(env, h, "\"init_pid\":" + std::to_string(env.init_pid(h)), "\"init_pid\":0");
  CHECK(env.dmc({"list"}).out == h + "\tincomplete\n");
  CHECK(state_of(env, h) == "incomplete");
  auto run = env.dmc({"run", h, "--", "/bin/true"});
  CHECK(run.code == 125);
  CHECK(run.err.find("is incomplete") != std::string::npos);
  auto destroyed = env.dmc({"destroy", h});
  CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
  check_nothing_left(env, h);
}

TEST_CASE("a create killed before its rename is listed incomplete and destroyed by name") {
  DmcEnv env;
  env.create();  // makes the depot
  const std::string h = env.handle("stray");
  const std::string temp = env.depot() + "/.tmp-" + h + "-Ab3dE9";
  REQUIRE(make_dirs(temp + "/rootfs"));
  REQUIRE(atomic_write_file(temp + "/spec.json", "{}"));
  CHECK(env.dmc({"list"}).out.find(h + "\tincomplete\n") != std::string::npos);
  CHECK(state_of(env, h) == "incomplete");
  CHECK(env.dmc({"destroy", h}).code == 0);
  CHECK_FALSE(path_exists(temp));
  CHECK(env.dmc({"info", h}).code == 1);
}

TEST_CASE("a killed create is cleaned with the runtime that made it, not the chosen one") {
  DmcEnv env;
  const std::string other = env.runtime() == "runc" ? "crun" : "runc";
  auto h = env.create();
  rewrite_state(env, h, "\"status\":\"running\"", "\"status\":\"creating\"");
  int init = env.init_pid(h);
  // The next create, with the other runtime, cleans what the killed one left.
  auto next = env.handle("next");
  auto argv = env.dmc_argv({"create", "--handle", next});
  argv[6] = other;  // --runtime
  auto created = run(argv);
  CHECK_MESSAGE(created.code == 0, created.err);
  CHECK_FALSE(process_alive(init));
  check_nothing_left(env, h);
  CHECK(env.dmc({"destroy", next}).code == 0);
}

TEST_CASE("a container left frozen (a stop killed half way) runs, stops and is destroyed") {
  DmcEnv env;
  auto h = env.create();
  const std::string freezer = "/sys/fs/cgroup/freezer/dmc/" + h + "/freezer.state";
  write_text(freezer, "FROZEN");
  REQUIRE(eventually([&] { return cgroup_file("freezer", h, "freezer.state") == "FROZEN\n"; }));
  CHECK(state_of(env, h) == "running");
  auto r = env.dmc({"run", h, "--", "/bin/echo", "thawed"});
  CHECK_MESSAGE(r.code == 0, r.err);
  CHECK(r.out == "thawed\n");
  CHECK(cgroup_file("freezer", h, "freezer.state") == "THAWED\n");

  write_text(freezer, "FROZEN");
  CHECK(env.dmc({"stop", h, "--kill"}).code == 0);
  CHECK(cgroup_file("freezer", h, "freezer.state") == "THAWED\n");

  write_text(freezer, "FROZEN");
  auto destroyed = env.dmc({"destroy", h});
  CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
  check_nothing_left(env, h);
}

TEST_CASE("after a simulated reboot a container is dead, and destroy finishes") {
  DmcEnv env;
  auto h = env.create();
  kill_init(env, h);
  REQUIRE(::umount2((env.depot() + "/" + h + "/rootfs").c_str(), MNT_DETACH) == 0);
  REQUIRE(remove_tree(env.state_root() + "/" + h));
  CHECK(state_of(env, h) == "dead");
  CHECK(env.dmc({"list"}).out == h + "\tdead\n");
  auto destroyed = env.dmc({"destroy", h});
  CHECK_MESSAGE(destroyed.code == 0, destroyed.err);
  check_nothing_left(env, h);
}

TEST_CASE("a damaged properties.json fails a filtered list instead of hiding the container") {
  DmcEnv env;
  auto h = env.create({"--property", "owner=ci"});
  REQUIRE(atomic_write_file(env.depot() + "/" + h + "/properties.json", "{broken"));
  auto listed = env.dmc({"list", "--property", "owner=ci"});
  CHECK(listed.code == 1);
  CHECK(listed.err.find(h + "/properties.json") != std::string::npos);
  CHECK(env.dmc({"destroy", h}).code == 0);
}
