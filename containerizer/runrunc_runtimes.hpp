// The real Runtimes: runrunc's clients of runc and crun, each with the
// process tracker whose shims exec through it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "containerizer/ports.hpp"
#include "containerizer/runrunc_adapter.hpp"
#include "process_tracker/tracker.hpp"
#include "runrunc/runtime.hpp"

namespace dmc::containerizer {

// The chosen runtime, and any other that made an existing container, made
// when first needed: most commands only ever use one. Safe to use from
// several threads: a kit, once made, stays where it is until the end.
class RunruncRuntimes : public Runtimes {
 public:
  RunruncRuntimes(runrunc::RuntimeConfig chosen, process_tracker::TrackerConfig tracker,
                  Logger logger);

  RuntimeKit for_new() override;
  Result<RuntimeKit> made_by(const std::string& binary, const std::string& root) override;

 private:
  struct Kit {
    Kit(runrunc::RuntimeConfig config, const process_tracker::TrackerConfig& tracker,
        const Logger& logger);
    runrunc::Runtime runtime;
    RunruncAdapter adapter;
    RunruncExec exec;
    process_tracker::Tracker tracker;
  };

  static RuntimeKit kit_of(Kit& kit) { return {kit.adapter, kit.tracker}; }

  process_tracker::TrackerConfig tracker_config_;
  Logger logger_;
  const std::unique_ptr<Kit> chosen_;        // made once, never changed
  std::mutex others_mutex_;                  // guards others_: made_by adds to it
  std::vector<std::unique_ptr<Kit>> others_;
};

}  // namespace dmc::containerizer
