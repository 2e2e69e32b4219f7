// The Stopper on any cgroup, with no init to spare: what a container's
// groups (sub-cgroups, one per service) need to be listed, signalled and
// killed as a whole.
#include <optional>
#include <set>
#include <string>

#include "common/cgroup.hpp"
#include "stopper/cgroup_dir.hpp"
#include "stopper/signaller.hpp"
#include "stopper/stop_processes.hpp"
#include "stopper/stopper.hpp"

namespace dmc::stopper {
namespace {

// nullopt when the cgroup does not exist.
Result<std::optional<CgroupDir>> find(const std::string& cgroup_path) {
  DMC_TRY(hierarchies, cgroup::hierarchies());
  auto cgroup = CgroupDir::locate(hierarchies, cgroup_path);
  if (!cgroup && cgroup.error().kind == ErrorKind::NotFound) return std::nullopt;
  if (!cgroup) return cgroup.error();
  return std::optional<CgroupDir>(std::move(*cgroup));
}

// The cgroup went away under us (its container destroyed): nothing is left.
bool gone(const Error& error) { return error.kind == ErrorKind::NotFound; }

}  // namespace

Result<std::vector<int>> Stopper::members(const std::string& cgroup_path) const {
  DMC_TRY(cgroup, find(cgroup_path));
  if (!cgroup) return std::vector<int>{};
  auto pids = cgroup->members(kExcludeNone);
  if (!pids && gone(pids.error())) return std::vector<int>{};
  return pids;
}

Result<int> Stopper::signal_all(const std::string& cgroup_path, int sig) const {
  DMC_TRY(cgroup, find(cgroup_path));
  if (!cgroup) return 0;
  std::set<int> done;
  auto sent = signal_newcomers(*cgroup, kExcludeNone, sig, done);
  if (!sent && gone(sent.error())) return 0;
  if (!sent) return sent.error().wrap(fmt::format("signal cgroup {}", cgroup_path));
  return sent;
}

Result<void> Stopper::kill_all(const std::string& cgroup_path) const {
  DMC_TRY(cgroup, find(cgroup_path));
  if (!cgroup) return {};
  auto killed = kill_processes(*cgroup, kExcludeNone, logger_);
  if (!killed && gone(killed.error())) return {};
  if (!killed) return killed.error().wrap(fmt::format("kill all in cgroup {}", cgroup_path));
  logger_.info("stopper.kill-all.killed",
               {{"cgroup", cgroup->dir()}, {"processes", std::to_string(*killed)}});
  return {};
}

}  // namespace dmc::stopper
