#include "bundler/init_rule.hpp"

#include "bundler/bundler.hpp"

namespace dmc::bundler {

// The init mount goes last, so that no earlier mount (the /dev tmpfs above
// all) can hide it.
Result<Bundle> InitRule::apply(Bundle bundle, const DesiredSpec&) const {
  if (!init_path_.starts_with('/')) {
    return make_error(ErrorKind::Invalid, "init path '{}': must be an absolute path", init_path_);
  }
  bundle.mounts.push_back(
      oci::Mount{kInitDestination, "bind", init_path_, {"bind", "ro", "nosuid", "nodev"}});
  bundle.process.args = {kInitDestination};
  return bundle;
}

}  // namespace dmc::bundler
