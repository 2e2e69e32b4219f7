// Services, from a front door's side (dmc, dmcd): add, list, stop, start,
// restart and remove the services of a container. Each ask is written to
// the depot and carried out by the container's supervisor, which these
// start when none runs (one that was killed comes back on the next call,
// from the depot, losing nothing); the calls wait until it is done.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "containerizer/ports.hpp"
#include "supervisor/engine.hpp"
#include "supervisor/launch.hpp"
#include "supervisor/service.hpp"
#include "supervisor/service_state.hpp"
#include "supervisor/service_store.hpp"

namespace dmc::supervisor {

struct ServiceView {
  ServiceSpec spec;
  Control control;
  Status status;
  bool supervised = false;  // a supervisor runs for its container
};

class Services final : public containerizer::Supervision {
 public:
  Services(Engine& engine, LaunchConfig launch, Logger logger);

  // Stores the service and starts it; returns once it runs (or failed to).
  // ContainerNotRunning when the container is stopped, paused or dead.
  Result<ServiceView> add(const std::string& handle, const ServiceSpec& spec);
  Result<std::vector<ServiceView>> list(const std::string& handle);
  Result<ServiceView> get(const std::string& handle, const std::string& name);
  // Start, Stop, Restart or Remove, recorded as asked `by` (cli, server);
  // returns once done: running (or failed to start), stopped, removed.
  Result<ServiceView> ask(const std::string& handle, const std::string& name, Ask ask,
                          std::string_view by);
  // Ends the container's supervisor, if one runs (a destroy is coming:
  // nothing must restart meanwhile); the services' processes stay.
  Result<void> release(const std::string& handle) override;

 private:
  Result<ServiceStore> store_of(const std::string& handle) const;
  Result<void> ensure_supervisor(const ServiceStore& store);
  Result<ServiceView> view(const ServiceStore& store, const std::string& name) const;
  // spec: read before the ask, since a removed service's files are gone.
  Result<ServiceView> wait_done(const ServiceStore& store, const ServiceSpec& spec, Ask ask,
                                const Status& before, uint64_t seq);

  Engine& engine_;
  LaunchConfig launch_;
  Logger logger_;
};

// Whether a supervisor holds the container's supervisor lock now.
bool supervisor_running(const ServiceStore& store);

}  // namespace dmc::supervisor
