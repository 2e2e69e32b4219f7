// The Containerizer's groups: a named sub-cgroup of a container's cgroup
// per process tree (containerizer.hpp, "Groups"). The runtime's exec puts a
// process into an existing sub-cgroup (`--cgroup`); the stopper lists,
// signals and kills what is in one. No container lock is held: the cgroup
// is the truth, and a supervisor calls these while other commands run.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "common/cgroup.hpp"
#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {
namespace {

bool holds(const cgroup::Hierarchy& hierarchy, std::string_view controller) {
  return std::ranges::find(hierarchy.controllers, controller) != hierarchy.controllers.end();
}

Result<void> write_control(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error(fmt::format("open {}", path));
  return write_all(fd.get(), value);
}

// Not mkdir -p: a container destroyed meanwhile must not get its cgroup back.
Result<void> make_cgroup_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) < 0 && errno != EEXIST) return sys_error("mkdir " + dir);
  return {};
}

// A new v1 cpuset cgroup has no cpus and no mems, and nothing can join it
// (the runtime's exec fails) until it has its parent's.
Result<void> copy_cpuset(const std::string& parent, const std::string& child) {
  for (const char* file : {"cpuset.cpus", "cpuset.mems"}) {
    DMC_TRY(value, read_file(fmt::format("{}/{}", parent, file)));
    DMC_CHECK(write_control(fmt::format("{}/{}", child, file), value));
  }
  return {};
}

}  // namespace

std::string Containerizer::group_path(const std::string& handle,
                                      const std::string& group) const {
  return fmt::format("{}/{}", cgroup_path(handle), group);
}

Result<void> Containerizer::check_group_of(const std::string& handle,
                                           const std::string& group) const {
  DMC_CHECK(check_group(group));
  return check_exists(handle);
}

Result<void> Containerizer::make_group(const std::string& handle,
                                       const std::string& group) const {
  DMC_TRY(hierarchies, cgroup::hierarchies());
  for (const auto& hierarchy : hierarchies) {
    const std::string parent = hierarchy.mount_point + cgroup_path(handle);
    if (!path_exists(parent)) continue;
    const std::string dir = fmt::format("{}/{}", parent, group);
    auto made = make_cgroup_dir(dir);
    if (made && holds(hierarchy, "cpuset")) made = copy_cpuset(parent, dir);
    if (!made) return made.error().wrap(fmt::format("make group '{}' of '{}'", group, handle));
  }
  return {};
}

Result<std::vector<int>> Containerizer::group_members(const std::string& handle,
                                                      const std::string& group) const {
  DMC_CHECK(check_group_of(handle, group));
  return stopper_.members(group_path(handle, group));
}

Result<void> Containerizer::signal_group(const std::string& handle, const std::string& group,
                                         int signal) const {
  DMC_CHECK(check_group_of(handle, group));
  DMC_TRY(reached, stopper_.signal_all(group_path(handle, group), signal));
  logger_.info("signal-group.done", {{"handle", handle},
                                     {"group", group},
                                     {"signal", std::to_string(signal)},
                                     {"processes", std::to_string(reached)}});
  return {};
}

Result<void> Containerizer::kill_group(const std::string& handle,
                                       const std::string& group) const {
  DMC_CHECK(check_group_of(handle, group));
  DMC_TRY(state, depot_.read_state(handle));
  DMC_TRY(frozen, paused(handle, state));
  if (frozen) {
    return make_error(ErrorKind::ContainerNotRunning, "container '{}' is paused", handle);
  }
  // Frozen though nobody paused it (a stop killed half way): thawed, as run does.
  DMC_CHECK(stopper_.thaw(cgroup_path(handle)));
  return stopper_.kill_all(group_path(handle, group));
}

Result<void> Containerizer::remove_group(const std::string& handle,
                                         const std::string& group) const {
  DMC_CHECK(kill_group(handle, group));
  DMC_TRY(hierarchies, cgroup::hierarchies());
  auto removed = cgroup::remove(hierarchies, group_path(handle, group));
  if (!removed) return removed.error().wrap(fmt::format("remove group '{}' of '{}'", group, handle));
  logger_.info("remove-group.done", {{"handle", handle}, {"group", group}});
  return {};
}

}  // namespace dmc::containerizer
