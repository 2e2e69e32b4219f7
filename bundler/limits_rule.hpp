// Memory, cpu shares and pids limits into linux.resources.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class LimitsRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
