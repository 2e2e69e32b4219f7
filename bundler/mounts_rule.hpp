// The asked-for bind mounts, checked against the host before the runtime sees them.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class MountsRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
