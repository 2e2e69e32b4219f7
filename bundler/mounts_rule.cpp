#include "bundler/mounts_rule.hpp"

#include <sys/stat.h>

#include <fmt/format.h>

namespace dmc::bundler {
namespace {

bool has_dotdot(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

Result<void> check_source(const std::string& source) {
  if (!source.starts_with('/')) {
    return make_error(ErrorKind::Invalid, "bind mount source '{}': must be an absolute path",
                      source);
  }
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) {
    return sys_error(fmt::format("bind mount source '{}'", source));
  }
  return {};
}

Result<void> check_destination(const std::string& destination) {
  auto invalid = [&destination](std::string_view why) {
    return make_error(ErrorKind::Invalid, "bind mount destination '{}': {}", destination, why);
  };
  if (!destination.starts_with('/')) return invalid("must be an absolute path");
  if (destination.find_first_not_of('/') == std::string::npos) return invalid("must not be /");
  if (has_dotdot(destination)) return invalid("must not contain '..'");
  return {};
}

Result<oci::Mount> bind_mount(const BindMount& mount) {
  DMC_CHECK(check_source(mount.source));
  DMC_CHECK(check_destination(mount.destination));
  return oci::Mount{mount.destination, "bind", mount.source,
                    {"bind", mount.read_only ? "ro" : "rw"}};
}

}  // namespace

Result<Bundle> MountsRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  for (const auto& mount : spec.bind_mounts) {
    DMC_TRY(oci_mount, bind_mount(mount));
    bundle.mounts.push_back(std::move(oci_mount));
  }
  return bundle;
}

}  // namespace dmc::bundler
