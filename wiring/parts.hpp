// The real parts a System owns, in dependency order (the wiring's own).
#pragma once

#include "bundler/bundler.hpp"
#include "containerizer/overlay.hpp"
#include "containerizer/runrunc_runtimes.hpp"
#include "depot/depot.hpp"
#include "nstar/nstar.hpp"
#include "runrunc/runtime.hpp"
#include "stopper/stopper.hpp"
#include "supervisor/containerizer_engine.hpp"
#include "supervisor/pods.hpp"
#include "supervisor/services.hpp"
#include "wiring/wiring.hpp"

namespace dmc::wiring {

struct System::Parts {
  Parts(Logger logger, depot::Depot depot, runrunc::RuntimeConfig runtime,
        bundler::Bundler bundler, const InstallPaths& paths, const Settings& options);

  Logger logger_;
  depot::Depot depot_;
  containerizer::RunruncRuntimes runtimes_;
  bundler::Bundler bundler_;
  containerizer::OverlayMounter mounter_;
  stopper::Stopper stopper_;
  nstar::Nstar nstar_;
  std::unique_ptr<containerizer::Containerizer> containerizer_;
  std::unique_ptr<supervisor::ContainerizerEngine> engine_;
  std::unique_ptr<supervisor::Services> services_;
  std::unique_ptr<supervisor::Pods> pods_;
};

std::vector<std::string> supervisor_env(const Settings& options);

}  // namespace dmc::wiring
