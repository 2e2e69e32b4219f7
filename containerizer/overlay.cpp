#include "containerizer/overlay.hpp"

#include <sys/mount.h>
#include <sys/stat.h>

namespace dmc::containerizer {
namespace {

// Overlay option values cannot hold ',' or ':' (and '\\' escapes); refuse
// them rather than mount something else than asked.
Result<void> check_option_path(const std::string& path) {
  if (path.find_first_of(",:\\") == std::string::npos) return {};
  return make_error(ErrorKind::Invalid,
                    "rootfs path '{}': ',', ':' and '\\' are not supported", path);
}

}  // namespace

Result<void> OverlayMounter::mount(const std::string& image, const std::string& upper,
                                   const std::string& work, const std::string& target) {
  for (const auto* p : {&image, &upper, &work}) DMC_CHECK(check_option_path(*p));
  std::string options =
      fmt::format("lowerdir={},upperdir={},workdir={}", image, upper, work);
  if (::mount("overlay", target.c_str(), "overlay", 0, options.c_str()) < 0) {
    return sys_error(fmt::format("mount overlay on {}", target));
  }
  return {};
}

Result<void> OverlayMounter::unmount(const std::string& target) {
  if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return {};
  if (errno == EINVAL || errno == ENOENT) return {};  // not mounted, or gone
  if (errno == EBUSY && ::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) {
    return {};
  }
  return sys_error(fmt::format("unmount {}", target));
}

bool is_mount_point(const std::string& path) {
  struct stat self, parent;
  if (::lstat(path.c_str(), &self) < 0) return false;
  if (::lstat((path + "/..").c_str(), &parent) < 0) return false;
  return self.st_dev != parent.st_dev || self.st_ino == parent.st_ino;
}

}  // namespace dmc::containerizer
