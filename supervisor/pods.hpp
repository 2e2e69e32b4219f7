// Pods, from a front door's side (dmc, dmcd): up, status, down, list. A pod
// is a set of dmc containers named <P>-<container> with the property
// pod=<P>: its init containers run one after another, each to completion,
// then each main container gets one service named `main` (its process and
// probes, restart policy always) that the container's service supervisor
// keeps running. The pod's progress is level-triggered from its status.json
// and driven by a pod supervisor (dmc-supervisor --pod P, drive() below),
// which leaves once the pod runs or failed; one that was killed comes back
// on the next up or status, from the depot, losing nothing.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "containerizer/containerizer.hpp"
#include "supervisor/pod_store.hpp"
#include "supervisor/services.hpp"

namespace dmc::supervisor {

// The property that ties a container to its pod.
inline constexpr std::string_view kPodProperty = "pod";
// The one service of a main container.
inline constexpr std::string_view kMainService = "main";

struct PodContainerView {
  std::string name = {};
  std::string handle = {};
  bool init = false;
  std::string state = {};  // waiting, running, ready, failing, finished, failed
  bool healthy = false;
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  std::optional<int> exit_status = {};
  uint64_t restarts = 0;
  std::string liveness_error = {}, readiness_error = {}, startup_error = {};
};

struct PodView {
  std::string name = {};
  PodPhase phase = PodPhase::Initializing;
  std::string error = {};
  bool healthy = false;     // the AND of its containers', false while initializing
  bool supervised = false;  // a pod supervisor runs for it
  std::vector<PodContainerView> containers = {};  // init ones first
};

class Pods {
 public:
  Pods(containerizer::Containerizer& containerizer, Services& services, std::string depot,
       LaunchConfig launch, Logger logger);

  // Parses the spec, stores the pod and brings it up; returns once it runs
  // or failed (the view says which). Invalid for a bad spec or name,
  // AlreadyExists for a pod name or container handle in use.
  Result<PodView> up(std::string_view spec_text, const std::string& name);
  // NotFound for an unknown pod. Starts its pod supervisor again when the
  // pod is still initializing and none runs.
  Result<PodView> status(const std::string& name);
  Result<std::vector<std::string>> list() const;
  // Ends its pod supervisor, destroys its containers, removes its state.
  Result<void> down(const std::string& name);

  // The pod supervisor's work: takes the pod's supervisor lock (false when
  // another holds it), then carries the pod on until it runs or failed, or
  // until stop_fd is readable.
  Result<bool> drive(const std::string& name, int stop_fd);

 private:
  [[nodiscard]] PodStore store_of(const std::string& name) const;
  // Starts a pod supervisor when none runs; true when it started one.
  Result<bool> ensure_supervisor(const PodStore& store);
  Result<void> release(const PodStore& store);
  Result<PodView> view(const PodStore& store);
  Result<PodContainerView> main_view(const std::string& pod, const PodContainer& c,
                                     bool made);
  // drive()'s steps (pod_driver.cpp).
  Result<void> step(const PodStore& store, PodStatus& status, int stop_fd);
  Result<void> run_init(const PodStore& store, PodStatus& status, const PodContainer& c,
                        int stop_fd);
  Result<void> finish_init(const PodStore& store, PodStatus& status, const PodContainer& c);
  Result<void> make_main(const PodStore& store, const PodContainer& c, RestartPolicy restart);
  Result<std::optional<int>> wait_exit(const std::string& handle, const std::string& id,
                                       int stop_fd);
  Result<void> make_container(const std::string& pod, const std::string& handle,
                              const PodContainer& c);
  void record(const std::string& handle, const std::string& pod, std::string_view action,
              journal::Fields fields = {});

  containerizer::Containerizer& containerizer_;
  Services& services_;
  std::string depot_;
  LaunchConfig launch_;
  Logger logger_;
};

// Whether a pod supervisor holds the pod's supervisor lock now.
bool pod_supervisor_running(const PodStore& store);

// {"name","phase","healthy","error","supervised","containers":[{"name",
//  "handle","init","state","healthy","started_at","finished_at" (RFC 3339
//  or null),"exit_status" (null until an exit),"restarts","probe_errors":
//  {"liveness","readiness","startup"}}]}
std::string pod_view_json(const PodView& view);

}  // namespace dmc::supervisor
