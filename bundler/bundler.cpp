#include "bundler/bundler.hpp"

#include "bundler/base_rule.hpp"
#include "bundler/capabilities.hpp"
#include "bundler/cgroup_path_rule.hpp"
#include "bundler/env_rule.hpp"
#include "bundler/hostname_rule.hpp"
#include "bundler/init_rule.hpp"
#include "bundler/limits_rule.hpp"
#include "bundler/mounts_rule.hpp"
#include "bundler/privileged_rule.hpp"
#include "bundler/rootfs_rule.hpp"
#include "bundler/seccomp_rule.hpp"

namespace dmc::bundler {

Result<Bundle> Bundler::generate(const DesiredSpec& spec) const {
  Bundle bundle{};
  for (const auto& rule : rules_) {
    DMC_TRY(next, rule->apply(std::move(bundle), spec));
    bundle = std::move(next);
  }
  return bundle;
}

Bundler make_bundler(const BundlerConfig& config) {
  std::vector<std::unique_ptr<Rule>> rules;
  rules.push_back(std::make_unique<BaseRule>());
  rules.push_back(std::make_unique<RootfsRule>());
  rules.push_back(std::make_unique<HostnameRule>());
  rules.push_back(std::make_unique<EnvRule>());
  rules.push_back(std::make_unique<MountsRule>());
  rules.push_back(std::make_unique<LimitsRule>());
  rules.push_back(std::make_unique<CgroupPathRule>(config.cgroup_parent));
  rules.push_back(std::make_unique<PrivilegedRule>(held_capabilities()));
  rules.push_back(std::make_unique<SeccompRule>());
  rules.push_back(std::make_unique<InitRule>(config.init_path));
  return Bundler(std::move(rules));
}

}  // namespace dmc::bundler
