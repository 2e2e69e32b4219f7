#include "bundler/rootfs_rule.hpp"

namespace dmc::bundler {

Result<Bundle> RootfsRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  if (!spec.rootfs_path.starts_with('/')) {
    return make_error(ErrorKind::Invalid, "rootfs path '{}': must be an absolute path",
                      spec.rootfs_path);
  }
  if (spec.rootfs_path.find_first_not_of('/') == std::string::npos) {
    return make_error(ErrorKind::Invalid, "rootfs path '{}': must not be the host's root",
                      spec.rootfs_path);
  }
  bundle.root.path = spec.rootfs_path;
  bundle.root.readonly = false;
  return bundle;
}

}  // namespace dmc::bundler
