// Promises under faults: `dmc run --detach` killed at any moment (issue 12,
// defect 6). A process record tells the truth: running with a live pid,
// exited with a status, or lost; a record that no process stands behind
// frees its id.
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

// A running record names the live process: a signal reaches it and the
// record then says it exited, killed by that signal.
void check_running_record(DmcEnv& env, const std::string& h, const Proc& p,
                          const std::vector<int>& really) {
  CHECK(process_alive(p.pid));
  CHECK_MESSAGE(std::ranges::find(really, p.pid) != really.end(),
                "ps says pid " << p.pid << ", the process is " << really.size() << " pid(s)");
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
  auto really = running_as(h, argv);
  if (!record) {
    CHECK_MESSAGE(really.empty(), "no record of " << id << " but its process runs");
    check_id_reusable(env, h, id);
    return;
  }
  INFO("ps: " << id << " " << record->state << " pid " << record->pid);
  if (record->state == "running") {
    check_running_record(env, h, *record, really);
  } else if (record->state == "exited") {
    CHECK(really.empty());
    CHECK(record->exit_status.has_value());
    CHECK(is_clear_failure(env.dmc({"signal", h, id, "--signal", "KILL"})));
  } else {
    CHECK(record->state == "lost");
    check_lost_record(env, h, *record, argv);
  }
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
    const std::string id = "killed-" + std::to_string(i);
    // A unique argv, to find the process on the machine without ps.
    const std::vector<std::string> argv = {"/bin/sleep", std::to_string(100000 + i)};
    INFO("run --detach " << id << " killed after " << delays[i].count() << " ms of "
                         << span.count());
    std::vector<std::string> args = {"run", h, "--detach", "--id", id, "--"};
    args.insert(args.end(), argv.begin(), argv.end());
    auto killed = kill_after(env.dmc_argv(args), delays[i]);
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    landed += killed.finished_first ? 0 : 1;
    check_record_truthful(env, h, id, argv);
    check_ps_truthful(env, h);
  }
  CHECK(landed > 0);
  CHECK(check_seen_truthfully(env, h) == "running");
  auto pids = check_ps_truthful(env, h);
  check_destroy_leaves_nothing(env, h, pids);
}
