#include "common/cgroup.hpp"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "common/fs.hpp"

namespace dmc::cgroup {
namespace {

// mountinfo: id parent major:minor root mount-point options ... - fstype source super
bool parse_mountinfo_line(const std::string& line, Hierarchy& out) {
  std::istringstream in(line);
  std::string field, mount_point;
  for (int i = 0; i < 5 && in >> field; ++i) {
    if (i == 4) mount_point = field;
  }
  while (in >> field && field != "-") {
  }
  std::string fstype, source, options;
  if (!(in >> fstype >> source >> options)) return false;
  if (fstype != "cgroup" && fstype != "cgroup2") return false;
  out = {mount_point, fstype == "cgroup2", {}};
  if (out.v2) return true;
  std::istringstream opts(options);
  for (std::string opt; std::getline(opts, opt, ',');) out.controllers.push_back(opt);
  return true;
}

// Sub-directories of dir (cgroups nested in it), deepest first.
void collect_children(const std::string& dir, std::vector<std::string>& out) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (e->d_type != DT_DIR || name == "." || name == "..") continue;
    std::string child = dir + "/" + e->d_name;
    collect_children(child, out);
    out.push_back(child);
  }
  ::closedir(d);
}

// A cgroup stays busy while a dead member is not yet reaped, and who reaps
// a container's init (the host's pid 1) is not ours to hurry: wait a while.
constexpr int kBusyRetries = 500;
constexpr useconds_t kBusyPauseUs = 10'000;

Result<void> remove_one(const std::string& dir) {
  for (int i = 0;; ++i) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return {};
    if (errno != EBUSY || i == kBusyRetries) {
      return sys_error(fmt::format("remove cgroup {}", dir));
    }
    ::usleep(kBusyPauseUs);
  }
}

Result<void> remove_dir(const std::string& dir) {
  std::vector<std::string> dirs;
  collect_children(dir, dirs);
  dirs.push_back(dir);
  for (const auto& d : dirs) DMC_CHECK(remove_one(d));
  return {};
}

}  // namespace

Result<std::vector<Hierarchy>> hierarchies() {
  DMC_TRY(text, read_file("/proc/self/mountinfo"));
  std::vector<Hierarchy> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    Hierarchy h;
    if (parse_mountinfo_line(line, h)) out.push_back(h);
  }
  return out;
}

std::vector<std::string> existing_dirs(const std::vector<Hierarchy>& hierarchies,
                                       const std::string& path) {
  std::vector<std::string> out;
  for (const auto& h : hierarchies) {
    std::string dir = h.mount_point + path;
    if (::access(dir.c_str(), F_OK) == 0) out.push_back(dir);
  }
  return out;
}

std::string dir_for(const std::vector<Hierarchy>& hierarchies, const std::string& controller,
                    const std::string& path) {
  for (const auto& h : hierarchies) {
    if (std::find(h.controllers.begin(), h.controllers.end(), controller) != h.controllers.end()) {
      return h.mount_point + path;
    }
  }
  // v1 controllers win: on a hybrid host the v2 mount holds few of them.
  for (const auto& h : hierarchies) {
    if (h.v2) return h.mount_point + path;
  }
  return {};
}

Result<std::vector<int>> procs(const std::string& dir) {
  DMC_TRY(text, read_file(dir + "/cgroup.procs"));
  std::vector<int> pids;
  std::istringstream in(text);
  int pid;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

Result<void> remove(const std::vector<Hierarchy>& hierarchies, const std::string& path) {
  for (const auto& dir : existing_dirs(hierarchies, path)) {
    DMC_CHECK(remove_dir(dir));
  }
  return {};
}

}  // namespace dmc::cgroup
