#include "depot/detail.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <memory>

namespace dmc::depot::detail {
namespace {

struct DirCloser {
  void operator()(DIR* dir) const { ::closedir(dir); }
};
using DirStream = std::unique_ptr<DIR, DirCloser>;

bool is_dot_or_dotdot(std::string_view name) { return name == "." || name == ".."; }

}  // namespace

Result<void> validate_name(std::string_view name) {
  bool temporary = name.starts_with(names::kTempPrefix) &&
                   name.find_first_of(std::string_view("/\0", 2)) == std::string_view::npos;
  if (temporary) return {};
  return validate_handle(name);
}

Error unknown_handle(std::string_view handle) {
  return make_error(ErrorKind::ContainerNotFound, "unknown handle: {}", handle);
}

Result<UniqueFd> open_dir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sys_error(path);
  return UniqueFd(fd);
}

Result<bool> flock_fd(int fd, int operation, const std::string& what) {
  while (::flock(fd, operation) < 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return false;
    return sys_error("flock " + what);
  }
  return true;
}

Result<std::vector<std::string>> list_dir(const std::string& path) {
  DirStream dir(::opendir(path.c_str()));
  if (!dir) return sys_error(path);
  std::vector<std::string> names;
  for (;;) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (!entry && errno != 0) return sys_error(path);
    if (!entry) break;
    if (!is_dot_or_dotdot(entry->d_name)) names.emplace_back(entry->d_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace dmc::depot::detail
