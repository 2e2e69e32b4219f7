// The one cgroup directory of a container that the stopper works on: the v1
// freezer hierarchy's on v1 and hybrid hosts, the unified one on v2 hosts.
// It lists the container's processes and freezes and thaws them.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/cgroup.hpp"
#include "common/result.hpp"

namespace dmc::stopper {

// For members() and the signaller: no pid is 0, so this excludes none (a
// group's cgroup has no init to spare).
inline constexpr int kExcludeNone = 0;

class CgroupDir {
 public:
  CgroupDir(std::string dir, bool v2) : dir_(std::move(dir)), v2_(v2) {}

  // Finds cgroup `path` (absolute, e.g. /dmc/web-1) in the freezer hierarchy
  // when any v1 hierarchy is mounted, else in the unified one. A cgroup that
  // does not exist there is NotFound.
  static Result<CgroupDir> locate(const std::vector<cgroup::Hierarchy>& hierarchies,
                                  const std::string& path);

  // The pids in this cgroup and the cgroups nested in it, except `exclude`.
  [[nodiscard]] Result<std::vector<int>> members(int exclude) const;

  // Freezes every process of the cgroup and waits until the kernel reports it
  // frozen; Unavailable when that takes longer than `timeout`.
  [[nodiscard]] Result<void> freeze(std::chrono::milliseconds timeout) const;
  [[nodiscard]] Result<void> thaw() const;
  // "FROZEN", "FREEZING" or "THAWED" (v1), "frozen" or "thawed" (v2).
  [[nodiscard]] Result<std::string> freezer_state() const;
  // Frozen by a write to this cgroup itself, not only through a parent.
  [[nodiscard]] Result<bool> self_frozen() const;
  // The cgroups nested in this one, at every depth, parents first.
  [[nodiscard]] std::vector<CgroupDir> nested() const;

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] bool v2() const { return v2_; }

 private:
  std::string dir_;
  bool v2_ = false;
};

// Thaws the cgroup when it goes out of scope if freeze() was called, whether
// or not the freeze succeeded: freezing stops the container's init too.
class FreezeGuard {
 public:
  explicit FreezeGuard(const CgroupDir& cgroup) : cgroup_(cgroup) {}
  FreezeGuard(const FreezeGuard&) = delete;
  FreezeGuard& operator=(const FreezeGuard&) = delete;
  ~FreezeGuard();

  [[nodiscard]] Result<void> freeze(std::chrono::milliseconds timeout);

 private:
  const CgroupDir& cgroup_;
  bool armed_ = false;
};

}  // namespace dmc::stopper
