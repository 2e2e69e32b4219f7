// process.env: a default PATH, then the asked-for KEY=VALUE pairs.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class EnvRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
