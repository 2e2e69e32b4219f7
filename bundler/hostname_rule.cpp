#include "bundler/hostname_rule.hpp"

namespace dmc::bundler {
namespace {

// Longer handles keep their tail, which is where generated ids differ.
constexpr std::size_t kMaxHostname = 49;

}  // namespace

Result<Bundle> HostnameRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  if (spec.handle.empty()) return make_error(ErrorKind::Invalid, "hostname: handle is empty");
  const std::string& handle = spec.handle;
  bundle.hostname = handle.size() > kMaxHostname ? handle.substr(handle.size() - kMaxHostname)
                                                 : handle;
  return bundle;
}

}  // namespace dmc::bundler
