#include "stopper/stop_processes.hpp"

#include <signal.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>

#include "stopper/signaller.hpp"

namespace dmc::stopper {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kPoll{20};
constexpr milliseconds kFreezeTimeout{2'000};
// Kill everything again now and then, even without newcomers: a pid we killed
// may have been reused by a process forked inside the cgroup.
constexpr milliseconds kKillAgainAfter{1'000};
constexpr milliseconds kKillTimeout{30'000};

void sleep_until_next_poll(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
  std::this_thread::sleep_for(std::clamp(left, milliseconds(1), kPoll));
}

// SIGTERM to every process but init, newcomers included, until none is left
// or the deadline passes. Returns how many processes got SIGTERM.
Result<int> terminate(const CgroupDir& cgroup, int init_pid, Clock::time_point deadline) {
  std::set<int> termed;
  int count = 0;
  for (;;) {
    DMC_TRY(sent, signal_newcomers(cgroup, init_pid, SIGTERM, termed));
    count += sent;
    DMC_TRY(left, cgroup.members(init_pid));
    if (left.empty() || Clock::now() >= deadline) return count;
    sleep_until_next_poll(deadline);
  }
}

// Frozen, the processes cannot fork or exit while we list and kill them.
// Freezing stops init too: the guard thaws the cgroup whatever happens. A
// freeze that does not complete still leaves the kill worth doing.
Result<void> kill_round(const CgroupDir& cgroup, int init_pid, std::set<int>& killed,
                        const Logger& logger) {
  FreezeGuard guard(cgroup);
  if (auto frozen = guard.freeze(kFreezeTimeout); !frozen) {
    logger.error("stopper.stop-all.freeze-failed", frozen.error(), {{"cgroup", cgroup.dir()}});
  }
  std::set<int> round;
  DMC_CHECK(signal_newcomers(cgroup, init_pid, SIGKILL, round));
  killed.insert(round.begin(), round.end());
  return {};
}

bool has_newcomer(const std::vector<int>& pids, const std::set<int>& killed) {
  return std::ranges::any_of(pids, [&](int pid) { return !killed.contains(pid); });
}

}  // namespace

Result<int> kill_processes(const CgroupDir& cgroup, int init_pid, const Logger& logger) {
  const auto deadline = Clock::now() + kKillTimeout;
  std::set<int> killed;
  Clock::time_point last_round;
  for (;;) {
    DMC_TRY(left, cgroup.members(init_pid));
    if (left.empty()) return static_cast<int>(killed.size());
    if (Clock::now() >= deadline) {
      return make_error(ErrorKind::Unavailable, "{} processes left {} s after sigkill",
                        left.size(), kKillTimeout.count() / 1000);
    }
    if (has_newcomer(left, killed) || Clock::now() - last_round >= kKillAgainAfter) {
      DMC_CHECK(kill_round(cgroup, init_pid, killed, logger));
      last_round = Clock::now();
    } else {
      std::this_thread::sleep_for(kPoll);
    }
  }
}

Result<void> stop_processes(const CgroupDir& cgroup, int init_pid, const StopOptions& options,
                            const Logger& logger) {
  if (!options.kill) {
    DMC_TRY(termed, terminate(cgroup, init_pid, Clock::now() + options.grace));
    logger.info("stopper.stop-all.terminated",
                {{"cgroup", cgroup.dir()}, {"processes", std::to_string(termed)}});
  }
  DMC_TRY(killed, kill_processes(cgroup, init_pid, logger));
  logger.info("stopper.stop-all.killed",
              {{"cgroup", cgroup.dir()}, {"processes", std::to_string(killed)}});
  return {};
}

}  // namespace dmc::stopper
