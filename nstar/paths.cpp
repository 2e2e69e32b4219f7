#include "nstar/paths.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <vector>

namespace dmc::nstar {
namespace {

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string part = path.substr(start, end - start);
    if (!part.empty() && part != ".") out.push_back(std::move(part));
    start = end + 1;
  }
  return out;
}

// One step of a walk: follows plain symlinks, never magic ones.
int open_step(int dir_fd, const std::string& name) {
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dir_fd, name.c_str(), &how, sizeof how));
}

Result<UniqueFd> walk(const std::string& path, bool create) {
  UniqueFd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!dir) return sys_error("open /");
  std::string walked;
  for (const auto& name : components(path)) {
    walked += "/" + name;
    int fd = open_step(dir.get(), name);
    if (fd < 0 && errno == ENOENT && create) {
      if (::mkdirat(dir.get(), name.c_str(), 0777) < 0 && errno != EEXIST) {
        return sys_error("mkdir " + walked);
      }
      fd = open_step(dir.get(), name);
    }
    if (fd < 0) return sys_error("open " + walked);
    dir.reset(fd);
  }
  return dir;
}

}  // namespace

std::string absolute_in(const std::string& home, const std::string& path) {
  if (path.starts_with('/')) return path;
  std::string base = home.starts_with('/') ? home : "/" + home;
  if (path.empty()) return base;
  if (!base.ends_with('/')) base += '/';
  return base + path;
}

Source split_source(const std::string& absolute_path) {
  if (absolute_path.ends_with('/')) return {absolute_path, "."};
  size_t slash = absolute_path.rfind('/');
  std::string name = absolute_path.substr(slash + 1);
  if (name == "." || name == "..") return {absolute_path, "."};
  return {slash == 0 ? "/" : absolute_path.substr(0, slash), name};
}

Result<UniqueFd> make_and_open_dir(const std::string& absolute_path) {
  return walk(absolute_path, true);
}

Result<UniqueFd> open_dir(const std::string& absolute_path) { return walk(absolute_path, false); }

}  // namespace dmc::nstar
