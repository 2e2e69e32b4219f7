// The base of every bundle: new namespaces, the standard kernel filesystems,
// Docker's default capabilities, masked paths and device rules.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class BaseRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
