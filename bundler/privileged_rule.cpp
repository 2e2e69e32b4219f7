#include "bundler/privileged_rule.hpp"

#include <vector>

namespace dmc::bundler {
namespace {

// /sys and /sys/fs/cgroup become writable.
std::vector<oci::Mount> writable_sys(std::vector<oci::Mount> mounts) {
  for (auto& m : mounts) {
    if (m.destination != "/sys" && m.destination != "/sys/fs/cgroup") continue;
    std::erase(m.options, "ro");
  }
  return mounts;
}

}  // namespace

Result<Bundle> PrivilegedRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  if (!spec.privileged) return bundle;
  bundle.process.capabilities.bounding = capabilities_;
  bundle.process.capabilities.effective = capabilities_;
  bundle.process.capabilities.permitted = capabilities_;
  bundle.process.capabilities.inheritable = capabilities_;
  bundle.process.no_new_privileges = false;
  bundle.mounts = writable_sys(std::move(bundle.mounts));
  bundle.linux_.masked_paths.clear();
  bundle.linux_.readonly_paths.clear();
  bundle.linux_.resources.devices = {
      oci::DeviceRule{true, "a", std::nullopt, std::nullopt, "rwm"}};
  return bundle;
}

}  // namespace dmc::bundler
