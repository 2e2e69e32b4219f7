// A privileged container: every capability it can be given, all devices,
// writable /sys, no masked paths.
#pragma once

#include <string>
#include <vector>

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class PrivilegedRule : public Rule {
 public:
  // capabilities: the full set a privileged container gets (see capabilities.hpp).
  explicit PrivilegedRule(std::vector<std::string> capabilities)
      : capabilities_(std::move(capabilities)) {}
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;

 private:
  std::vector<std::string> capabilities_;
};

}  // namespace dmc::bundler
