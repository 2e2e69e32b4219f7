#include "bundler/env_rule.hpp"

#include <algorithm>

namespace dmc::bundler {
namespace {

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The key of a KEY=VALUE entry; empty when the entry is malformed.
std::string_view key_of(std::string_view entry) {
  auto eq = entry.find('=');
  if (eq == std::string_view::npos) return {};
  return entry.substr(0, eq);
}

// Adds entry; an earlier entry with the same key goes (Garden: each name
// once, where it was last given).
void set_entry(std::vector<std::string>& env, const std::string& entry) {
  auto key = key_of(entry);
  std::erase_if(env, [key](const std::string& e) { return key_of(e) == key; });
  env.push_back(entry);
}

}  // namespace

Result<Bundle> EnvRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  // The runtime's own default, for the init and for `runtime exec` by hand;
  // processes started by dmc get the container's env as asked instead
  // (spec.json), with a PATH after their own (process_builder).
  std::vector<std::string> env{kDefaultPath};
  for (const auto& entry : spec.env) {
    if (key_of(entry).empty()) {
      return make_error(ErrorKind::Invalid, "invalid env '{}': expected KEY=VALUE", entry);
    }
    set_entry(env, entry);
  }
  bundle.process.env = std::move(env);
  return bundle;
}

}  // namespace dmc::bundler
