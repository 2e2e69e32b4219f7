#include "bundler/env_rule.hpp"

#include <algorithm>

namespace dmc::bundler {
namespace {

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
  // No PATH of our own here: each process gets one after its own env
  // (process_builder), root's or a user's, unless the container sets one.
  std::vector<std::string> env;
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
