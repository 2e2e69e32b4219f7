#include "bundler/seccomp_rule.hpp"

#include "bundler/seccomp_profile.hpp"

namespace dmc::bundler {

Result<Bundle> SeccompRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  if (spec.privileged) {
    bundle.linux_.seccomp.reset();
    return bundle;
  }
  bundle.linux_.seccomp = default_seccomp_profile(bundle.process.capabilities.bounding);
  return bundle;
}

}  // namespace dmc::bundler
