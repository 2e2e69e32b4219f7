// The hostname is the handle, cut to its last 49 characters.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class HostnameRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
