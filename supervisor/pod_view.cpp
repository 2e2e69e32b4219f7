// What a pod looks like from a front door: each container's state and
// health from the pod's records (init containers) and from its `main`
// service (main containers), and the pod's healthy bit.
#include <fmt/format.h>

#include "common/clock.hpp"
#include "common/json_writer.hpp"
#include "supervisor/launch.hpp"
#include "supervisor/pods.hpp"

namespace dmc::supervisor {
namespace {

PodContainerView init_view(const std::string& pod, const PodContainer& c,
                           const InitRecord* record) {
  PodContainerView v{.name = c.name, .handle = fmt::format("{}-{}", pod, c.name), .init = true};
  if (!record || record->process_id.empty()) {
    v.state = "waiting";
    return v;
  }
  v.started_ns = record->started_ns;
  v.finished_ns = record->finished_ns;
  v.exit_status = record->exit_status;
  if (!record->exit_status) {
    v.state = "running";
    return v;
  }
  v.state = *record->exit_status == 0 ? "finished" : "failed";
  v.healthy = *record->exit_status == 0;
  return v;
}

// The state a service's phase, ready bit and probe errors make.
void service_state(PodContainerView& v, const ServiceView& service) {
  const Status& s = service.status;
  v.liveness_error = s.liveness_error;
  v.readiness_error = s.readiness_error;
  v.startup_error = s.startup_error;
  switch (s.phase) {
    case Phase::Running:
      // The errors are the latest ever (kept across restarts): what fails
      // now is a liveness past its threshold, or readiness lost after a failure.
      if (s.liveness_failed || (!s.ready && !s.readiness_error.empty())) {
        v.state = "failing";
      } else {
        v.state = s.ready ? "ready" : "running";
      }
      v.healthy = v.state == "ready";
      return;
    case Phase::Finished:
      v.state = "finished";  // only under never / on-failure, with status 0
      v.healthy = s.exit_status == 0;
      return;
    case Phase::Failed: v.state = "failed"; return;
    case Phase::Waiting:
    case Phase::Stopping:
    case Phase::Stopped: v.state = "waiting"; return;
  }
}


void container_json(json::Writer& w, const PodContainerView& c) {
  w.StartObject();
  json::string_member(w, "name", c.name);
  json::string_member(w, "handle", c.handle);
  json::key(w, "init");
  w.Bool(c.init);
  json::string_member(w, "state", c.state);
  json::key(w, "healthy");
  w.Bool(c.healthy);
  time_member(w, "started_at", c.started_ns);
  time_member(w, "finished_at", c.finished_ns);
  exit_status_member(w, c.exit_status);
  json::key(w, "restarts");
  w.Uint64(c.restarts);
  probe_errors_member(w, c.liveness_error, c.readiness_error, c.startup_error);
  w.EndObject();
}

}  // namespace

Result<PodContainerView> Pods::main_view(const std::string& pod, const PodContainer& c,
                                         bool made) {
  PodContainerView v{.name = c.name, .handle = fmt::format("{}-{}", pod, c.name), .state = "waiting"};
  if (!made) return v;
  auto service = services_.get(v.handle, std::string(kMainService));
  if (!service) {
    v.state = "failed";  // its container or its service is gone
    return v;
  }
  const Status& s = service->status;
  v.started_ns = s.started_ns;
  v.finished_ns = s.finished_ns;
  v.exit_status = s.exit_status;
  v.restarts = s.restarts;
  service_state(v, *service);
  return v;
}

Result<PodView> Pods::view(const PodStore& store) {
  DMC_TRY(spec, store.spec());
  DMC_TRY(status, store.status());
  PodView view{.name = store.pod(), .phase = status.phase, .error = status.error};
  view.supervised = pod_supervisor_running(store);
  for (size_t i = 0; i < spec.init_containers.size(); ++i) {
    const InitRecord* record = i < status.inits.size() ? &status.inits[i] : nullptr;
    view.containers.push_back(init_view(store.pod(), spec.init_containers[i], record));
  }
  for (size_t i = 0; i < spec.containers.size(); ++i) {
    DMC_TRY(one, main_view(store.pod(), spec.containers[i], i < status.mains_made));
    view.containers.push_back(std::move(one));
  }
  view.healthy = status.phase == PodPhase::Running;
  for (const auto& c : view.containers) view.healthy = view.healthy && c.healthy;
  return view;
}

std::string pod_view_json(const PodView& view) {
  return json::write([&](json::Writer& w) {
    w.StartObject();
    json::string_member(w, "name", view.name);
    json::string_member(w, "phase", to_string(view.phase));
    json::key(w, "healthy");
    w.Bool(view.healthy);
    json::string_member(w, "error", view.error);
    json::key(w, "supervised");
    w.Bool(view.supervised);
    json::key(w, "containers");
    w.StartArray();
    for (const auto& c : view.containers) container_json(w, c);
    w.EndArray();
    w.EndObject();
  });
}

}  // namespace dmc::supervisor
