#include "supervisor/service_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "common/fs.hpp"
#include "common/name.hpp"
#include "common/uuid.hpp"
#include "supervisor/launch.hpp"

namespace dmc::supervisor {
namespace {

constexpr std::string_view kTempPrefix = ".new-";


}  // namespace

ServiceStore::ServiceStore(std::string container_dir, std::string handle)
    : dir_(fmt::format("{}/{}", container_dir, files::kServices)), handle_(std::move(handle)) {}

std::string ServiceStore::path(std::string_view file) const {
  return fmt::format("{}/{}", dir_, file);
}

std::string ServiceStore::path(const std::string& name, std::string_view file) const {
  return fmt::format("{}/{}/{}", dir_, name, file);
}

Result<void> ServiceStore::add(const ServiceSpec& spec) {
  DMC_CHECK(make_dirs(dir_, 0700));
  DMC_TRY(id, uuid_v4());
  std::string temp = path(fmt::format("{}{}", kTempPrefix, id));
  DMC_CHECK(make_dirs(temp, 0700));
  auto filled = [&]() -> Result<void> {
    DMC_CHECK(atomic_write_file(fmt::format("{}/{}", temp, files::kService), to_json(spec)));
    return atomic_write_file(fmt::format("{}/{}", temp, files::kControl), to_json(Control{}));
  }();
  if (filled && ::rename(temp.c_str(), path(spec.name).c_str()) == 0) return {};
  int err = errno;
  (void)remove_tree(temp);
  if (!filled) return filled.error();
  if (err == EEXIST || err == ENOTEMPTY) {
    return make_error(ErrorKind::AlreadyExists, "service '{}' exists in container '{}'", spec.name,
                      handle_);
  }
  errno = err;
  return sys_error(fmt::format("add service {}", spec.name));
}

Result<std::vector<std::string>> ServiceStore::names() const {
  std::vector<std::string> out;
  DIR* dir = ::opendir(dir_.c_str());
  if (!dir) {
    if (errno == ENOENT) return out;
    return sys_error(fmt::format("list {}", dir_));
  }
  while (dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (entry->d_type != DT_DIR || name.starts_with('.')) continue;
    out.emplace_back(name);
  }
  ::closedir(dir);
  std::sort(out.begin(), out.end());
  return out;
}

Result<void> ServiceStore::check(const std::string& name) const {
  DMC_CHECK(validate_name("service name", name));
  if (path_exists(path(name, files::kService))) return {};
  return make_error(ErrorKind::NotFound, "service '{}' not found in container '{}'", name,
                    handle_);
}

Result<ServiceSpec> ServiceStore::spec(const std::string& name) const {
  DMC_CHECK(check(name));
  DMC_TRY(text, read_file(path(name, files::kService)));
  return service_from_json(text);
}

Result<Control> ServiceStore::control(const std::string& name) const {
  DMC_CHECK(check(name));
  DMC_TRY(text, read_file(path(name, files::kControl)));
  return control_from_json(text);
}

Result<Control> ServiceStore::update_control(const std::string& name,
                                             const std::function<void(Control&)>& change) const {
  DMC_CHECK(check(name));
  DMC_TRY(held, lock_file(path(name, files::kControlLock), true));
  DMC_TRY(control, this->control(name));
  change(control);
  DMC_CHECK(atomic_write_file(path(name, files::kControl), to_json(control)));
  return control;
}

Result<Status> ServiceStore::status(const std::string& name) const {
  DMC_CHECK(check(name));
  std::string file = path(name, files::kStatus);
  if (!path_exists(file)) return Status{};
  DMC_TRY(text, read_file(file));
  return status_from_json(text);
}

Result<void> ServiceStore::write_status(const std::string& name, const Status& status) const {
  return atomic_write_file(path(name, files::kStatus), to_json(status));
}

Result<void> ServiceStore::remove(const std::string& name) const {
  // Renamed away first, so that nobody sees half a service.
  DMC_TRY(id, uuid_v4());
  std::string temp = path(fmt::format("{}{}", kTempPrefix, id));
  if (::rename(path(name).c_str(), temp.c_str()) != 0) {
    if (errno == ENOENT) return {};
    return sys_error(fmt::format("remove service {}", name));
  }
  return remove_tree(temp);
}

Result<UniqueFd> ServiceStore::lock(std::string_view file, bool wait) const {
  DMC_CHECK(make_dirs(dir_, 0700));
  return lock_file(path(file), wait);
}

}  // namespace dmc::supervisor
