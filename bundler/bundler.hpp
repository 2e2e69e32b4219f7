// The bundler: DesiredSpec -> OCI bundle through an ordered list of rules.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bundler/bundle.hpp"

namespace dmc::bundler {

struct BundlerConfig {
  std::string init_path;               // host path of dmc-init, bind-mounted read-only
  std::string cgroup_parent = "/dmc";  // cgroupsPath is <parent>/<handle>
};

// Where the init appears inside every container.
inline constexpr const char* kInitDestination = "/dev/dmc-init";

class Bundler {
 public:
  explicit Bundler(std::vector<std::unique_ptr<Rule>> rules) : rules_(std::move(rules)) {}
  // Applies every rule in order to an empty bundle.
  Result<Bundle> generate(const DesiredSpec& spec) const;

 private:
  std::vector<std::unique_ptr<Rule>> rules_;
};

// The one ordered list of rules: base, rootfs, hostname, env, mounts,
// limits, cgroup path, privileged, init.
Bundler make_bundler(const BundlerConfig& config);

}  // namespace dmc::bundler
