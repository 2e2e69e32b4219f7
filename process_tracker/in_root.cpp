// Path resolution confined to a container's rootfs: every lookup goes through
// openat2(RESOLVE_IN_ROOT), so ".." and symlinks (absolute or relative) can
// never leave the rootfs, whatever the container has put there.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "process_tracker/process_builder.hpp"

namespace dmc::process_tracker {
namespace {

constexpr int kMaxAttempts = 16;  // openat2 answers EAGAIN when a rename races a lookup

Result<UniqueFd> open_root(const std::string& rootfs) {
  int fd = ::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error(fmt::format("open rootfs {}", rootfs));
  return UniqueFd(fd);
}

bool creates(int flags) {
  return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

// path relative to root_fd, which acts as "/" for the whole lookup.
Result<UniqueFd> open_beneath(int root_fd, const std::string& path, int flags,
                              const std::string& rootfs) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  how.mode = creates(flags) ? 0644 : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  const std::string target = path.empty() ? "." : path;
  for (int attempt = 1;; ++attempt) {
    long fd = ::syscall(SYS_openat2, root_fd, target.c_str(), &how, sizeof how);
    if (fd >= 0) return UniqueFd(static_cast<int>(fd));
    bool retry = errno == EINTR || (errno == EAGAIN && attempt < kMaxAttempts);
    if (!retry) return sys_error(fmt::format("open {} in {}", path, rootfs));
  }
}

// "a//b/./c/../d" -> {"a", "b", "d"}; ".." never climbs above the root.
std::vector<std::string> components(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    start = end + 1;
  }
  return parts;
}

// A directory just made by us: opened without following links, then given
// to its owner with an exact mode (the umask does not apply).
Result<UniqueFd> adopt_new_dir(int parent_fd, const std::string& name, const std::string& prefix,
                               uint32_t uid, uint32_t gid) {
  int fd = ::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sys_error(fmt::format("open new dir {}", prefix));
  UniqueFd dir(fd);
  if (::fchown(dir.get(), uid, gid) != 0) {
    return sys_error(fmt::format("chown {} to {}:{}", prefix, uid, gid));
  }
  if (::fchmod(dir.get(), 0755) != 0) return sys_error(fmt::format("chmod {}", prefix));
  return dir;
}

struct Walk {
  int root_fd;
  const std::string& rootfs;
  uint32_t uid;
  uint32_t gid;
};

// The directory at prefix (inside the root), made in parent_fd when missing.
Result<UniqueFd> ensure_dir(const Walk& walk, int parent_fd, const std::string& prefix,
                            const std::string& name) {
  auto existing = open_beneath(walk.root_fd, prefix, O_PATH | O_DIRECTORY, walk.rootfs);
  if (existing || existing.error().err != ENOENT) return existing;
  if (::mkdirat(parent_fd, name.c_str(), 0755) == 0) {
    return adopt_new_dir(parent_fd, name, prefix, walk.uid, walk.gid);
  }
  if (errno != EEXIST) return sys_error(fmt::format("mkdir {} in {}", prefix, walk.rootfs));
  // Made meanwhile by someone else, or a dangling link: look again.
  return open_beneath(walk.root_fd, prefix, O_PATH | O_DIRECTORY, walk.rootfs);
}

}  // namespace

Result<UniqueFd> open_in_root(const std::string& rootfs, std::string_view path, int flags) {
  DMC_TRY(root, open_root(rootfs));
  return open_beneath(root.get(), std::string(path), flags, rootfs);
}

Result<void> make_dirs_in_root(const std::string& rootfs, std::string_view path, uint32_t uid,
                               uint32_t gid) {
  DMC_TRY(root, open_root(rootfs));
  const Walk walk{root.get(), rootfs, uid, gid};
  DMC_TRY(parent, open_beneath(root.get(), ".", O_PATH | O_DIRECTORY, rootfs));
  std::string prefix;
  for (const auto& name : components(path)) {
    prefix += "/" + name;
    DMC_TRY(dir, ensure_dir(walk, parent.get(), prefix, name));
    parent = std::move(dir);
  }
  return {};
}

}  // namespace dmc::process_tracker
