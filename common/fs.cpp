#include "common/fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "common/unique_fd.hpp"

namespace dmc {
namespace {

Result<void> remove_at(int parent_fd, const char* name, dev_t dev,
                       const std::string& where);

Result<void> empty_dir(int dir_fd, dev_t dev, const std::string& where) {
  int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) return sys_error("dup");
  DIR* dir = ::fdopendir(dup_fd);
  if (!dir) {
    ::close(dup_fd);
    return sys_error(where);
  }
  Result<void> result;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    result = remove_at(dir_fd, entry->d_name, dev, where + "/" + entry->d_name);
    if (!result) break;
  }
  ::closedir(dir);
  return result;
}

Result<void> remove_at(int parent_fd, const char* name, dev_t dev,
                       const std::string& where) {
  struct stat st;
  if (::fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
    if (errno == ENOENT) return {};
    return sys_error(where);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name, 0) < 0 && errno != ENOENT) return sys_error(where);
    return {};
  }
  if (st.st_dev != dev) {
    return make_error(ErrorKind::Unavailable, "{}: is a mount point, not removing it", where);
  }
  int fd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return sys_error(where);
  UniqueFd dir_fd(fd);
  DMC_CHECK(empty_dir(dir_fd.get(), dev, where));
  if (::unlinkat(parent_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
    return sys_error(where);
  }
  return {};
}

}  // namespace

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Result<std::pair<UniqueFd, UniqueFd>> open_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error("pipe");
  return std::pair{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {  // a non-blocking fd someone passed us
      pollfd p{fd, POLLOUT, 0};
      (void)::poll(&p, 1, -1);
      continue;
    }
    if (n < 0) return sys_error("write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}


Result<void> atomic_write_file(const std::string& path, std::string_view content,
                               mode_t mode) {
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return sys_error(tmp);
  UniqueFd file(fd);
  auto fail = [&](Error e) {
    ::unlink(tmp.c_str());
    return e;
  };
  if (::fchmod(fd, mode) < 0) return fail(sys_error(tmp));
  if (auto r = write_all(fd, content); !r) return fail(r.error().wrap(tmp));
  file.reset();
  if (::rename(tmp.c_str(), path.c_str()) < 0) return fail(sys_error(path));
  return {};
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_error(path);
  UniqueFd file(fd);
  auto text = read_fd(fd);
  if (!text) return sys_error(path, text.error().err);
  return text;
}

Result<std::string> read_fd(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read");
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

Result<void> make_dirs(const std::string& path, mode_t mode) {
  if (path.empty()) return {};
  if (::mkdir(path.c_str(), mode) == 0) return {};
  if (errno == EEXIST) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return {};
    return sys_error(path, ENOTDIR);
  }
  if (errno != ENOENT) return sys_error(path);
  DMC_CHECK(make_dirs(parent_of(path), mode));
  if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) return sys_error(path);
  return {};
}

Result<void> remove_tree(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) < 0) {
    if (errno == ENOENT) return {};
    return sys_error(path);
  }
  std::string parent = parent_of(path);
  int fd = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error(parent);
  UniqueFd parent_fd(fd);
  std::string name = path.substr(path.find_last_of('/') + 1);
  return remove_at(parent_fd.get(), name.c_str(), st.st_dev, path);
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace dmc
