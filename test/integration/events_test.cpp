// dmc events on the real runtime: what each command records, once and in
// order, as `dmc events --json` prints it.
#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using Lines = std::vector<std::string>;

namespace {

Lines lines_of(const std::string& text) {
  Lines out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// A JSON event line without its time: {"handle":...}.
std::string untimed(const std::string& line) {
  auto comma = line.find(',');
  REQUIRE(line.starts_with("{\"time\":"));
  REQUIRE(comma != std::string::npos);
  return "{" + line.substr(comma + 1);
}

int64_t time_of(const std::string& line) { return std::stoll(line.substr(8)); }

// `dmc events --json args...`, required to succeed, without times.
Lines events(DmcEnv& env, Lines args) {
  args.insert(args.begin(), {"events", "--json"});
  auto r = env.dmc(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  Lines out;
  for (const auto& line : lines_of(r.out)) out.push_back(untimed(line));
  return out;
}

std::string ev(const std::string& h, const std::string& type, const std::string& fields = "") {
  return "{\"handle\":\"" + h + "\",\"type\":\"" + type + "\"" + fields + "}";
}

std::string exit_of(const std::string& h, const std::string& id, int status) {
  return ev(h, "exit", ",\"process\":\"" + id + "\",\"status\":" + std::to_string(status));
}

std::string start_of(const std::string& h, const std::string& id) {
  return ev(h, "start-process", ",\"process\":\"" + id + "\"");
}

}  // namespace

TEST_CASE("create, run, exit, update, stop and destroy each appear once, in order, with their fields") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--id", "p1", "--", "/bin/sh", "-c", "exit 3"}).code == 3);
  REQUIRE(env.dmc({"limit", h, "--memory", "64M", "--pids", "50"}).code == 0);
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "sleeper", "--", "sleep", "1000"}).code == 0);
  REQUIRE(env.dmc({"stop", h, "--kill"}).code == 0);
  const Lines before_destroy = {
      ev(h, "create"), start_of(h, "p1"), exit_of(h, "p1", 3),
      ev(h, "update", ",\"memory_bytes\":67108864,\"pids_max\":50"), start_of(h, "sleeper"),
      ev(h, "stop", ",\"kill\":true"), exit_of(h, "sleeper", 137)};
  // The sleeper's shim records its exit as soon as it reaps it.
  CHECK(eventually([&] { return events(env, {h}) == before_destroy; }));
  CHECK(events(env, {h}) == before_destroy);  // a second read adds nothing
  REQUIRE(env.dmc({"destroy", h}).code == 0);
  Lines all = before_destroy;
  all.push_back(ev(h, "destroy"));
  CHECK(events(env, {h}) == all);  // still listed once destroyed
  CHECK(events(env, {}) == all);
  // A repeated destroy of a destroyed container records nothing.
  env.dmc({"destroy", h});
  CHECK(events(env, {h}) == all);
}

TEST_CASE("pause and resume are events when they change something, not when they find it done") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"pause", h}).code == 0);
  REQUIRE(env.dmc({"pause", h}).code == 0);
  REQUIRE(env.dmc({"resume", h}).code == 0);
  REQUIRE(env.dmc({"resume", h}).code == 0);
  CHECK(events(env, {h}) == Lines{ev(h, "create"), ev(h, "pause"), ev(h, "resume")});
}

TEST_CASE("an OOM kill is an oom event with the cgroup's count, before the process's exit") {
  DmcEnv env;
  auto h = env.create({"--memory", "32M"});
  auto r = env.dmc({"run", h, "--id", "hog", "--", "/bin/sh", "-c",
                    "x=$(head -c 100000000 /dev/zero | tr '\\0' a); echo ${#x}"});
  REQUIRE(r.code == 137);
  CHECK(events(env, {h}) == Lines{ev(h, "create"), start_of(h, "hog"),
                                  ev(h, "oom", ",\"count\":1"), exit_of(h, "hog", 137)});
}

TEST_CASE("the human format is one line per event: time, type, handle, fields") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--id", "p", "--", "true"}).code == 0);
  auto r = env.dmc({"events", h});
  REQUIRE(r.code == 0);
  auto lines = lines_of(r.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].size() == 30 + 8 + h.size());  // 2026-...000000000Z create h
  CHECK(lines[0].ends_with("Z create " + h));
  CHECK(lines[2].ends_with("Z exit " + h + " process=p status=0"));
}

TEST_CASE("--since and --until filter by an RFC 3339 time or a duration") {
  DmcEnv env;
  auto a = env.create();
  auto b = env.create();
  auto raw = lines_of(env.dmc({"events", "--json"}).out);
  REQUIRE(raw.size() == 2);
  const auto between = rfc3339(time_of(raw[0]) + 1);
  CHECK(events(env, {"--since", between}) == Lines{ev(b, "create")});
  CHECK(events(env, {"--until", between}) == Lines{ev(a, "create")});
  CHECK(events(env, {a, "--since", between}).empty());
  CHECK(events(env, {"--since", "1h30m"}).size() == 2);
  CHECK(events(env, {"--until", "1h"}).empty());
  auto bad = env.dmc({"events", "--since", "yesterday"});
  CHECK(bad.code == 2);
  CHECK(bad.err == "dmc: invalid time 'yesterday': use an RFC 3339 time or a duration like 10m\n");
}

TEST_CASE("events of an unknown handle are an error, as for other commands") {
  DmcEnv env;
  auto r = env.dmc({"events", "no-such-container"});
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "dmc: unknown handle: no-such-container\n");
}

TEST_CASE("an exit while no dmc runs is recorded by the shim, once") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "later", "--", "/bin/sh", "-c",
                   "sleep 0.5; exit 4"}).code == 0);
  const auto journal = env.depot() + "/" + h + "/events.log";
  // Read straight from the file: no dmc runs, none reconciles.
  auto exits = [&] {
    int n = 0;
    for (const auto& line : lines_of(read_file(journal).value_or(""))) {
      n += line.find("\"type\":\"exit\"") != std::string::npos;
    }
    return n;
  };
  REQUIRE(eventually([&] { return exits() > 0; }));
  CHECK(exits() == 1);
  CHECK(events(env, {h}) == Lines{ev(h, "create"), start_of(h, "later"), exit_of(h, "later", 4)});
}

TEST_CASE("an exit its shim did not record is added by the next read, once") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--id", "p", "--", "/bin/sh", "-c", "exit 6"}).code == 6);
  // As a shim killed between exit_status and its event leaves it.
  const auto journal = env.depot() + "/" + h + "/events.log";
  std::string kept;
  for (const auto& line : lines_of(read_file(journal).value())) {
    if (line.find("\"type\":\"exit\"") == std::string::npos) kept += line + "\n";
  }
  REQUIRE(atomic_write_file(journal, kept));
  const Lines expected = {ev(h, "create"), start_of(h, "p"), exit_of(h, "p", 6)};
  CHECK(events(env, {h}) == expected);
  CHECK(events(env, {h}) == expected);
}

// info and list only read (dmcd calls info for every container on each
// BulkInfo and /metrics scrape): the journal is the events readers' to mend.
TEST_CASE("the init's death is an exit of process init, added once by events, not by info") {
  DmcEnv env;
  auto h = env.create();
  const int init = env.init_pid(h);
  REQUIRE(::kill(init, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(init); }));
  const auto journal = env.depot() + "/" + h + "/events.log";
  const auto before = read_file(journal).value_or("?");
  CHECK(env.dmc({"info", h}).out.find("\"state\": \"dead\"") != std::string::npos);
  CHECK(env.dmc({"list"}).out == h + "\tdead\n");
  CHECK(read_file(journal).value_or("") == before);
  const Lines expected = {ev(h, "create"), ev(h, "exit", ",\"process\":\"init\"")};
  CHECK(events(env, {h}) == expected);
  CHECK(events(env, {h}) == expected);
}
