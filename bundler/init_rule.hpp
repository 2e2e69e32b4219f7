// dmc-init as pid 1: bind-mounted read-only from the host at kInitDestination.
#pragma once

#include <string>

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class InitRule : public Rule {
 public:
  explicit InitRule(std::string init_path) : init_path_(std::move(init_path)) {}
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;

 private:
  std::string init_path_;
};

}  // namespace dmc::bundler
