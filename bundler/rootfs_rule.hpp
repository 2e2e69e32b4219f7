// root.path is the container's mounted root filesystem.
#pragma once

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class RootfsRule : public Rule {
 public:
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;
};

}  // namespace dmc::bundler
