#include "runrunc/hybrid.hpp"

#include <sched.h>
#include <sys/mount.h>
#include <sys/statfs.h>

#include <cerrno>
#include <string_view>

#include <linux/magic.h>

#include "common/fs.hpp"

namespace dmc::runrunc {
namespace {

constexpr const char* kUnifiedControllers = "/sys/fs/cgroup/unified/cgroup.controllers";

bool is_cgroup2(const std::string& path) {
  struct statfs fs;
  if (::statfs(path.c_str(), &fs) < 0) return false;
  return fs.f_type == CGROUP2_SUPER_MAGIC;
}

bool has_words(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") != std::string_view::npos;
}

}  // namespace

bool hybrid_controllers_visible(const std::string& cgroup_root) {
  std::string unified = cgroup_root + "/unified";
  if (is_cgroup2(cgroup_root) || !is_cgroup2(unified)) return false;
  auto controllers = read_file(unified + "/cgroup.controllers");
  return controllers && has_words(*controllers);
}

int hide_hybrid_controllers() noexcept {
  if (::unshare(CLONE_NEWNS) < 0) return errno;
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) return errno;
  if (::mount("/dev/null", kUnifiedControllers, nullptr, MS_BIND, nullptr) < 0) return errno;
  return 0;
}

}  // namespace dmc::runrunc
