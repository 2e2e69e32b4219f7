// DesiredSpec (what the user asked for) and the rule interface that turns it
// into an OCI bundle. The bundle is a value: each rule returns a changed copy.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/oci.hpp"
#include "common/result.hpp"

namespace dmc::bundler {

struct BindMount {
  std::string source = {};       // host path; must exist
  std::string destination = {};  // absolute path in the container
  bool read_only = false;
};

struct Limits {
  std::optional<uint64_t> memory_bytes = {};  // swap limit is set equal
  std::optional<uint64_t> cpu_shares = {};
  std::optional<int64_t> pids_max = {};
};

struct DesiredSpec {
  std::string handle;
  std::string image;        // the rootfs directory asked for (lower layer)
  std::string rootfs_path;  // where the container's / is mounted (overlay)
  std::vector<std::string> env;  // KEY=VALUE
  std::vector<BindMount> bind_mounts;
  Limits limits;
  bool privileged = false;
  std::map<std::string, std::string> properties;
};

// spec.json: DesiredSpec as JSON and back (unknown keys are ignored).
std::string to_json(const DesiredSpec& spec);
Result<DesiredSpec> desired_spec_from_json(std::string_view text);

using Bundle = oci::Spec;

class Rule {
 public:
  virtual ~Rule() = default;
  [[nodiscard]] virtual Result<Bundle> apply(Bundle bundle, const DesiredSpec& spec) const = 0;
};

}  // namespace dmc::bundler
