#include "bundler/cgroup_path_rule.hpp"

namespace dmc::bundler {
namespace {

// The handle becomes one path component: it must not climb or nest.
Result<void> check_handle(const std::string& handle) {
  if (handle.empty() || handle == "." || handle == ".." ||
      handle.find('/') != std::string::npos) {
    return make_error(ErrorKind::Invalid, "cgroup path: handle '{}' is not a path component",
                      handle);
  }
  return {};
}

Result<std::string> trimmed_parent(std::string parent) {
  if (!parent.starts_with('/')) {
    return make_error(ErrorKind::Invalid, "cgroup parent '{}': must be an absolute path",
                      parent);
  }
  while (parent.ends_with('/')) parent.pop_back();
  return parent;
}

}  // namespace

Result<Bundle> CgroupPathRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  DMC_CHECK(check_handle(spec.handle));
  DMC_TRY(parent, trimmed_parent(parent_));
  bundle.linux_.cgroups_path = parent + "/" + spec.handle;
  return bundle;
}

}  // namespace dmc::bundler
