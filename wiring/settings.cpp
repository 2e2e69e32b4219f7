#include <cstdlib>

#include "wiring/wiring.hpp"

namespace dmc::wiring {
namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace

Settings settings_from_env() {
  Settings settings;
  settings.depot = env_or("DMC_DEPOT", settings.depot);
  settings.runtime = env_or("DMC_RUNTIME", settings.runtime);
  settings.state_root = env_or("DMC_STATE_ROOT", settings.state_root);
  settings.log_level = env_or("DMC_LOG_LEVEL", settings.log_level);
  return settings;
}

}  // namespace dmc::wiring
