#include "supervisor/service_view.hpp"

#include "common/clock.hpp"
#include "common/json_writer.hpp"
#include "supervisor/launch.hpp"

namespace dmc::supervisor {
namespace {


void write_view(json::Writer& w, const ServiceView& v) {
  const Status& s = v.status;
  w.StartObject();
  json::string_member(w, "name", v.spec.name);
  json::string_member(w, "state", to_string(s.phase));
  json::string_member(w, "desired",
                      v.control.desired == Desired::Running ? "running" : "stopped");
  json::string_member(w, "restart", to_string(v.spec.restart));
  json::key(w, "generation");
  w.Uint64(s.generation);
  json::string_member(w, "process", s.process_id);
  json::key(w, "restarts");
  w.Uint64(s.restarts);
  exit_status_member(w, s.exit_status);
  time_member(w, "started_at", s.started_ns);
  time_member(w, "finished_at", s.finished_ns);
  time_member(w, "next_start_at", s.phase == Phase::Waiting ? s.next_start_ns : 0);
  json::string_member(w, "error", s.error);
  std::vector<std::string> command = {v.spec.process.path};
  command.insert(command.end(), v.spec.process.args.begin(), v.spec.process.args.end());
  json::strings(w, "command", command);
  json::string_member(w, "control_socket", v.spec.control_socket);
  json::key(w, "ready");
  w.Bool(s.ready);
  probe_errors_member(w, s.liveness_error, s.readiness_error, s.startup_error);
  json::key(w, "supervised");
  w.Bool(v.supervised);
  w.EndObject();
}

}  // namespace

std::string view_json(const ServiceView& view) {
  return json::write([&](json::Writer& w) { write_view(w, view); });
}

std::string views_json(const std::vector<ServiceView>& views) {
  return json::write([&](json::Writer& w) {
    w.StartArray();
    for (const auto& v : views) write_view(w, v);
    w.EndArray();
  });
}

}  // namespace dmc::supervisor
