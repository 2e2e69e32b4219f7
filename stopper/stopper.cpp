#include "stopper/stopper.hpp"

#include <string>

#include "common/cgroup.hpp"
#include "stopper/cgroup_dir.hpp"
#include "stopper/stop_processes.hpp"

namespace dmc::stopper {

Result<void> Stopper::stop_all(const std::string& cgroup_path, int init_pid,
                               const StopOptions& options) const {
  DMC_TRY(hierarchies, cgroup::hierarchies());
  DMC_TRY(cgroup, CgroupDir::locate(hierarchies, cgroup_path));
  logger_.info("stopper.stop-all.starting",
               {{"cgroup", cgroup.dir()},
                {"init_pid", std::to_string(init_pid)},
                {"kill", options.kill ? "true" : "false"},
                {"grace_ms", std::to_string(options.grace.count())}});
  auto stopped = stop_processes(cgroup, init_pid, options, logger_);
  if (!stopped) return stopped.error().wrap(fmt::format("stop all in cgroup {}", cgroup_path));
  return {};
}

namespace {

bool thawed(std::string_view state) { return state == "THAWED" || state == "thawed"; }

}  // namespace

Result<void> Stopper::thaw(const std::string& cgroup_path) const {
  DMC_TRY(hierarchies, cgroup::hierarchies());
  auto cgroup = CgroupDir::locate(hierarchies, cgroup_path);
  if (!cgroup && cgroup.error().kind == ErrorKind::NotFound) return {};
  if (!cgroup) return cgroup.error();
  DMC_TRY(state, cgroup->freezer_state());
  if (!thawed(state)) {
    logger_.info("stopper.thaw", {{"cgroup", cgroup->dir()}, {"was", state}});
    DMC_CHECK(cgroup->thaw());
  }
  // A group frozen on its own (a kill_all killed while it held it frozen)
  // stays frozen when its parent thaws, and its processes would not die.
  for (const auto& nested : cgroup->nested()) {
    auto frozen = nested.self_frozen();
    if (!frozen && frozen.error().kind == ErrorKind::NotFound) continue;  // gone meanwhile
    if (!frozen) return frozen.error();
    if (!*frozen) continue;
    logger_.info("stopper.thaw-nested", {{"cgroup", nested.dir()}});
    DMC_CHECK(nested.thaw());
  }
  return {};
}

Result<void> Stopper::freeze(const std::string& cgroup_path,
                             std::chrono::milliseconds timeout) const {
  DMC_TRY(hierarchies, cgroup::hierarchies());
  DMC_TRY(cgroup, CgroupDir::locate(hierarchies, cgroup_path));
  return cgroup.freeze(timeout);
}

Result<bool> Stopper::frozen(const std::string& cgroup_path) const {
  DMC_TRY(hierarchies, cgroup::hierarchies());
  auto cgroup = CgroupDir::locate(hierarchies, cgroup_path);
  if (!cgroup && cgroup.error().kind == ErrorKind::NotFound) return false;
  if (!cgroup) return cgroup.error();
  DMC_TRY(state, cgroup->freezer_state());
  return !thawed(state);
}

}  // namespace dmc::stopper
