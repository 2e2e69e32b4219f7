// linux.cgroupsPath = <parent>/<handle>, always absolute: runc reads a relative
// path as relative to its caller's own cgroup, which dmc must never touch.
#pragma once

#include <string>

#include "bundler/bundle.hpp"

namespace dmc::bundler {

class CgroupPathRule : public Rule {
 public:
  explicit CgroupPathRule(std::string parent) : parent_(std::move(parent)) {}
  [[nodiscard]] Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const override;

 private:
  std::string parent_;
};

}  // namespace dmc::bundler
