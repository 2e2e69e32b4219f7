// Depot::create: a container directory is built under a temporary name and
// renamed into place, so that it either fully exists or leaves nothing.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <array>
#include <utility>

#include "common/fs.hpp"
#include "depot/depot.hpp"
#include "depot/detail.hpp"

namespace dmc::depot {
namespace {

constexpr mode_t kSubdirMode = 0755;  // upper/ becomes the mode of the container's /
constexpr std::array kSubdirs{names::kRootfs, names::kUpper, names::kWork, names::kProcesses};

// A container directory being built under <root>/.tmp-<handle>-XXXXXX and
// locked by us; removed on destruction unless renamed into place.
class Build {
 public:
  static Result<Build> start(const std::string& root, std::string_view handle);

  Build(Build&& other) noexcept
      : path_(std::exchange(other.path_, {})), fd_(std::move(other.fd_)) {}
  Build(const Build&) = delete;
  Build& operator=(const Build&) = delete;
  Build& operator=(Build&&) = delete;
  ~Build() {
    if (!path_.empty()) (void)remove_tree(path_);
  }

  Result<void> populate(const NewContainer& files) const;
  // Renames the build to target, refusing to replace anything there; hands
  // over the locked directory fd.
  Result<UniqueFd> commit(const std::string& target, std::string_view handle);

 private:
  explicit Build(std::string path) : path_(std::move(path)) {}
  Result<void> make_subdir(std::string_view name) const;
  Result<void> write(std::string_view name, std::string_view content) const;

  std::string path_;
  UniqueFd fd_;
};

Result<Build> Build::start(const std::string& root, std::string_view handle) {
  DMC_TRY(root_fd, detail::open_dir(root));
  // Shared with other creates; leftovers() takes it exclusively, so it never
  // sees our temporary before we hold its lock.
  DMC_CHECK(detail::flock_fd(root_fd.get(), LOCK_SH, root));
  std::string tmpl = fmt::format("{}/{}{}-XXXXXX", root, names::kTempPrefix, handle);
  if (::mkdtemp(tmpl.data()) == nullptr) return sys_error(tmpl);
  Build build(tmpl);
  DMC_TRY(fd, detail::open_dir(tmpl));
  DMC_CHECK(detail::flock_fd(fd.get(), LOCK_EX, tmpl));
  build.fd_ = std::move(fd);
  return build;
}

Result<void> Build::populate(const NewContainer& files) const {
  for (std::string_view name : kSubdirs) DMC_CHECK(make_subdir(name));
  DMC_CHECK(write(names::kSpec, files.spec_json));
  DMC_CHECK(write(names::kConfig, files.config_json));
  DMC_CHECK(write(names::kProperties, detail::properties_to_json(files.properties)));
  return write(names::kState, detail::state_to_json(files.state));
}

Result<void> Build::make_subdir(std::string_view name) const {
  const std::string sub(name);
  if (::mkdirat(fd_.get(), sub.c_str(), kSubdirMode) < 0) return sys_error(path_ + "/" + sub);
  return {};
}

Result<void> Build::write(std::string_view name, std::string_view content) const {
  return atomic_write_file(fmt::format("{}/{}", path_, name), content);
}

Result<UniqueFd> Build::commit(const std::string& target, std::string_view handle) {
  if (::renameat2(AT_FDCWD, path_.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) < 0) {
    if (errno == EEXIST) {
      return make_error(ErrorKind::AlreadyExists, "handle '{}' already in use", handle);
    }
    return sys_error(fmt::format("rename {} to {}", path_, target));
  }
  path_.clear();
  return std::move(fd_);
}

}  // namespace

Result<ContainerLock> Depot::create(std::string_view handle, const NewContainer& files) const {
  DMC_CHECK(validate_handle(handle));
  DMC_TRY(build, Build::start(root_, handle));
  DMC_CHECK(build.populate(files));
  DMC_TRY(fd, build.commit(dir(handle), handle));
  return ContainerLock(std::move(fd));
}

}  // namespace dmc::depot
