// The CLI's way to the engine: the wiring's System, built for one command
// from the global options; if it cannot be built, the CLI says why.
#pragma once

#include <iostream>

#include "wiring/wiring.hpp"

namespace dmc::cli {

// The global options (--depot, --runtime, --state-root, --log-level) are
// the wiring's Settings, defaults and all.
using GlobalOptions = wiring::Settings;

// Builds the real parts and runs f(containerizer) -> exit code; if they
// cannot be built, prints why and returns failure_code.
template <class F>
int with_containerizer(const GlobalOptions& globals, int failure_code, F&& f) {
  auto system = wiring::System::make(globals);
  if (!system) {
    std::cerr << "dmc: " << system.error().message << "\n";
    return failure_code;
  }
  return f((*system)->containerizer());
}

// The same, with every part: f(system) -> exit code.
template <class F>
int with_system(const GlobalOptions& globals, int failure_code, F&& f) {
  auto system = wiring::System::make(globals);
  if (!system) {
    std::cerr << "dmc: " << system.error().message << "\n";
    return failure_code;
  }
  return f(**system);
}

}  // namespace dmc::cli
