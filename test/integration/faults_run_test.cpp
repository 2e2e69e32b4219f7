// Promises under faults: `dmc run --detach` killed at any moment (issue 12,
// defect 6). A process record tells the truth: running with a live pid,
// exited with a status, or lost; a record that no process stands behind
// frees its id.
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

// The living processes of container `handle` whose argv is exactly `argv`.
std::vector<int> running_as(const std::string& handle, const std::vector<std::string>& argv) {
  std::string cmdline;
  for (const auto& a : argv) cmdline += a + '\0';
  return living_processes([&](int, const std::string&, const std::string& c,
                              const std::string& cgroup) {
    return c == cmdline && cgroup.find(":/dmc/" + handle + "\n") != std::string::npos;
  });
}

// The record of `id` once its shim, if any, is done starting: absent, or a
// state other than running, or running with a pid.
std::optional<Proc> settled_record(DmcEnv& env, const std::string& h, const std::string& id) {
  std::optional<Proc> record;
  eventually([&] {
    record = find_proc(ps_of(env, h), id);
    return !record || record->state != "running" || record->pid > 0;
  });
  return record;
}

// The id of a record that no process stands behind is free again.
void check_id_reusable(DmcEnv& env, const std::string& h, const std::string& id) {
  auto again = env.dmc({"run", h, "--id", id, "--", "/bin/echo", "again"});
  CHECK_MESSAGE(again.code == 0, "run --id " << id << " again: " << again.err);
  CHECK(again.out == "again\n");
}

// A running record names the live process (once the runtime's helper that
// starts it has exec'ed it): a signal reaches it and the record then says it
// exited, killed by that signal.
void check_running_record(DmcEnv& env, const std::string& h, const Proc& p,
                          const std::vector<std::string>& argv) {
  CHECK(process_alive(p.pid));
  CHECK_MESSAGE(eventually([&] { return std::ranges::count(running_as(h, argv), p.pid) == 1; }),
                "ps says pid " << p.pid << ": " << describe_process(p.pid));
  auto sent = env.dmc({"signal", h, p.id, "--signal", "KILL"});
  CHECK_MESSAGE(sent.code == 0, sent.err);
  CHECK(eventually([&] {
    auto now = find_proc(ps_of(env, h), p.id);
    return now && now->state == "exited" && now->exit_status == 128 + SIGKILL;
  }));
}

// A lost record: its shim is gone. A process still running behind it is
// reached by signal; with none left, signal fails plainly, without
// claiming that it exited, and the id is free again.
void check_lost_record(DmcEnv& env, const std::string& h, const Proc& p,
                       const std::vector<std::string>& argv) {
  auto sent = env.dmc({"signal", h, p.id, "--signal", "KILL"});
  if (!running_as(h, argv).empty() || sent.code == 0) {
    CHECK_MESSAGE(sent.code == 0, sent.err);
    CHECK(eventually([&] { return running_as(h, argv).empty(); }));
  } else {
    CHECK(is_clear_failure(sent));
    CHECK_MESSAGE(sent.err.find("exited") == std::string::npos, sent.err);
  }
  check_id_reusable(env, h, p.id);
}

// What ps says of `id` is true, checked by acting on it as a user would.
void check_record_truthful(DmcEnv& env, const std::string& h, const std::string& id,
                           const std::vector<std::string>& argv) {
  auto record = settled_record(env, h, id);
  if (!record) {
    CHECK_MESSAGE(running_as(h, argv).empty(), "no record of " << id << " but its process runs");
    check_id_reusable(env, h, id);
    return;
  }
  INFO("ps: " << id << " " << record->state << " pid " << record->pid);
  if (record->state == "running") {
    check_running_record(env, h, *record, argv);
  } else if (record->state == "exited") {
    CHECK(running_as(h, argv).empty());
    CHECK(record->exit_status.has_value());
    CHECK(is_clear_failure(env.dmc({"signal", h, id, "--signal", "KILL"})));
  } else {
    CHECK(record->state == "lost");
    check_lost_record(env, h, *record, argv);
  }
}

// A run --detach of a sleep of its own length (so that its process can be
// found on the machine without ps), killed by `kill`, then checked.
struct KilledRun {
  std::string id;
  std::vector<std::string> argv;
  Killed killed;
};

KilledRun kill_a_run(DmcEnv& env, const std::string& h, int n,
                     const std::function<Killed(const std::vector<std::string>&)>& kill) {
  KilledRun run{.id = "killed-" + std::to_string(n),
                .argv = {"/bin/sleep", std::to_string(100000 + n)},
                .killed = {}};
  std::vector<std::string> args = {"run", h, "--detach", "--id", run.id, "--"};
  args.insert(args.end(), run.argv.begin(), run.argv.end());
  run.killed = kill(env.dmc_argv(args));
  CHECK_MESSAGE(run.killed.stragglers.empty(), joined_lines(run.killed.stragglers));
  check_record_truthful(env, h, run.id, run.argv);
  check_ps_truthful(env, h);
  return run;
}

void check_destroyed_at_end(DmcEnv& env, const std::string& h) {
  CHECK(check_seen_truthfully(env, h) == "running");
  auto seen = check_ps_truthful(env, h);
  check_destroy_leaves_nothing(env, h, seen);
}

}  // namespace

TEST_CASE("faults: a run --detach killed at any moment leaves a record that tells the truth") {
  DmcEnv env;
  auto h = env.create();
  Ms span = time_of([&] {
    REQUIRE(env.dmc({"run", h, "--detach", "--id", "timed", "--", "/bin/true"}).code == 0);
  });
  auto delays = spread(span + span / 4, 10);
  int landed = 0;  // kills that found the run still at work
  for (size_t i = 0; i < delays.size(); ++i) {
    INFO("run --detach killed after " << delays[i].count() << " ms of " << span.count());
    auto run = kill_a_run(env, h, static_cast<int>(i), [&](const auto& argv) {
      return kill_after(argv, delays[i]);
    });
    landed += run.killed.finished_first ? 0 : 1;
  }
  CHECK(landed > 0);
  check_destroyed_at_end(env, h);
}

// Each step of a run leaves a file in the process's dir: the kill comes
// the moment that file appears (defect 6: a record made, no shim yet).
TEST_CASE("faults: a run --detach killed at each of its steps leaves a record that tells the truth") {
  DmcEnv env;
  auto h = env.create();
  const std::vector<std::string> steps = {"", "spec.json", "process.json", "shim.pid", "pid"};
  int landed = 0;  // kills that found the run still at work
  for (size_t i = 0; i < steps.size(); ++i) {
    const auto path = env.depot() + "/" + h + "/processes/killed-" + std::to_string(i) + "/" + steps[i];
    INFO("run --detach killed once " << path << " exists");
    auto run = kill_a_run(env, h, static_cast<int>(i), [&](const auto& argv) {
      return kill_when(argv, [&] { return path_exists(path); });
    });
    landed += run.killed.finished_first ? 0 : 1;
  }
  CHECK(landed > 0);
  check_destroyed_at_end(env, h);
}

// The record a run leaves when it is killed after making the process's dir
// and before starting its shim (a window of well under a millisecond, which
// the loops above hit only by luck): made by hand, as the kill leaves it. An
// empty dir, and one with the spec files written but no shim.
TEST_CASE("faults: a record left by a run killed before its shim started is lost and frees its id") {
  DmcEnv env;
  auto h = env.create();
  const auto processes = env.depot() + "/" + h + "/processes/";
  REQUIRE(::mkdir((processes + "empty").c_str(), 0700) == 0);
  REQUIRE(env.dmc({"run", h, "--id", "unstarted", "--", "/bin/true"}).code == 0);
  for (const char* file : {"shim.pid", "shim.sock", "pid", "exit_status", "runtime.log", "shim.log",
                           "stdout.spool", "stderr.spool"}) {
    ::unlink((processes + "unstarted/" + file).c_str());
  }
  for (const std::string id : {"empty", "unstarted"}) {
    INFO("record " << id);
    auto record = find_proc(ps_of(env, h), id);
    if (record) {
      CHECK(record->state == "lost");
      check_lost_record(env, h, *record, {"/bin/true"});
    } else {
      check_id_reusable(env, h, id);
    }
  }
  check_destroyed_at_end(env, h);
}
