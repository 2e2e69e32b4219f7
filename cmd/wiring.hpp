// Builds the real parts from the global options and wires them together.
#pragma once

#include <iostream>
#include <memory>
#include <string>

#include "bundler/bundler.hpp"
#include "common/log.hpp"
#include "containerizer/containerizer.hpp"
#include "containerizer/overlay.hpp"
#include "containerizer/runrunc_runtimes.hpp"
#include "depot/depot.hpp"
#include "process_tracker/tracker.hpp"
#include "runrunc/runtime.hpp"
#include "stopper/stopper.hpp"

namespace dmc::cli {

struct GlobalOptions {
  std::string depot = "/var/lib/dmc";
  std::string runtime;     // empty: crun when installed, else runc
  std::string state_root;  // empty: /run/dmc/<runtime name>
  std::string log_level = "error";
};

// Where dmc's own files are, found next to the running binary:
// <bin>/dmc-init and <bin>/../share/dmc/rootfs.
struct InstallPaths {
  std::string init;
  std::string shim;
  std::string nstar;
  std::string default_rootfs;
};
Result<InstallPaths> install_paths();

// Every real part, owned in one place, built in dependency order.
class System {
 public:
  static Result<std::unique_ptr<System>> make(const GlobalOptions& options);

  containerizer::Containerizer& containerizer() { return *containerizer_; }
  const Logger& logger() const { return logger_; }

 private:
  System(Logger logger, depot::Depot depot, runrunc::RuntimeConfig runtime,
         bundler::Bundler bundler, const InstallPaths& paths);

  Logger logger_;
  depot::Depot depot_;
  containerizer::RunruncRuntimes runtimes_;
  bundler::Bundler bundler_;
  containerizer::OverlayMounter mounter_;
  stopper::Stopper stopper_;
  nstar::Nstar nstar_;
  std::unique_ptr<containerizer::Containerizer> containerizer_;
};

// Builds the real parts and runs f(containerizer) -> exit code; if they
// cannot be built, prints why and returns failure_code.
template <class F>
int with_containerizer(const GlobalOptions& globals, int failure_code, F&& f) {
  auto system = System::make(globals);
  if (!system) {
    std::cerr << "dmc: " << system.error().message << "\n";
    return failure_code;
  }
  return f((*system)->containerizer());
}

}  // namespace dmc::cli
