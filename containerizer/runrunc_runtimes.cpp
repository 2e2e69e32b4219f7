#include "containerizer/runrunc_runtimes.hpp"

#include <algorithm>

namespace dmc::containerizer {

RunruncRuntimes::Kit::Kit(runrunc::RuntimeConfig config,
                          const process_tracker::TrackerConfig& tracker, const Logger& logger)
    : runtime(std::move(config), logger),
      adapter(runtime),
      exec(runtime),
      tracker(tracker, exec, logger) {}

RunruncRuntimes::RunruncRuntimes(runrunc::RuntimeConfig chosen,
                                 process_tracker::TrackerConfig tracker, Logger logger)
    : tracker_config_(std::move(tracker)),
      logger_(std::move(logger)),
      chosen_(std::make_unique<Kit>(std::move(chosen), tracker_config_, logger_)) {}

RuntimeKit RunruncRuntimes::for_new() { return kit_of(*chosen_); }

Result<RuntimeKit> RunruncRuntimes::made_by(const std::string& binary, const std::string& root) {
  const auto& chosen = chosen_->runtime.config();
  const std::string& state_root = root.empty() ? chosen.state_root : root;
  if (chosen.binary == binary && chosen.state_root == state_root) return kit_of(*chosen_);
  std::lock_guard hold(others_mutex_);
  auto known = std::find_if(others_.begin(), others_.end(), [&](const auto& kit) {
    const auto& config = kit->runtime.config();
    return config.binary == binary && config.state_root == state_root;
  });
  if (known != others_.end()) return kit_of(**known);
  auto config = runrunc::detect_runtime(binary, state_root);
  if (!config) return config.error().wrap("the container's runtime");
  logger_.debug("runtime.of-container", {{"binary", binary}, {"root", state_root}});
  others_.push_back(std::make_unique<Kit>(std::move(*config), tracker_config_, logger_));
  return kit_of(*others_.back());
}

}  // namespace dmc::containerizer
