#include "supervisor/service_state.hpp"

#include "common/json.hpp"
#include "common/json_writer.hpp"

namespace dmc::supervisor {
namespace {

constexpr Phase kPhases[] = {Phase::Waiting, Phase::Running,  Phase::Stopping,
                             Phase::Stopped, Phase::Finished, Phase::Failed};

void int_member(json::Writer& w, std::string_view key, int64_t value) {
  json::key(w, key);
  w.Int64(value);
}

void bool_member(json::Writer& w, std::string_view key, bool value) {
  json::key(w, key);
  w.Bool(value);
}

Result<int64_t> int_or_zero(const json::Value& doc, const char* key) {
  DMC_TRY(value, json::get_optional_int64(doc, key));
  return value.value_or(0);
}

Result<bool> bool_or_false(const json::Value& doc, const char* key) {
  DMC_TRY(value, json::get_optional_bool(doc, key));
  return value.value_or(false);
}

Result<json::Document> object(std::string_view text, std::string_view what) {
  DMC_TRY(doc, json::parse(text, what));
  if (!doc.IsObject()) return make_error(ErrorKind::Invalid, "{}: not a JSON object", what);
  return doc;
}

Result<Phase> parse_phase(std::string_view text) {
  for (auto phase : kPhases) {
    if (to_string(phase) == text) return phase;
  }
  return make_error(ErrorKind::Invalid, "service status: unknown phase '{}'", text);
}

}  // namespace

std::string_view to_string(Phase phase) {
  switch (phase) {
    case Phase::Waiting: return "waiting";
    case Phase::Running: return "running";
    case Phase::Stopping: return "stopping";
    case Phase::Stopped: return "stopped";
    case Phase::Finished: return "finished";
    case Phase::Failed: return "failed";
  }
  return "waiting";
}

std::string_view to_string(Ask ask) {
  switch (ask) {
    case Ask::Start: return "start";
    case Ask::Stop: return "stop";
    case Ask::Restart: return "restart";
    case Ask::Remove: return "remove";
  }
  return "start";
}

void apply(Control& control, Ask ask) {
  ++control.seq;
  control.restart = ask == Ask::Restart;
  bool run = ask == Ask::Start || ask == Ask::Restart;
  control.desired = run ? Desired::Running : Desired::Stopped;
  if (ask == Ask::Remove) control.remove = true;
}

std::string to_json(const Control& control) {
  return json::write([&](json::Writer& w) {
    w.StartObject();
    json::string_member(w, "desired", control.desired == Desired::Running ? "running" : "stopped");
    int_member(w, "seq", static_cast<int64_t>(control.seq));
    bool_member(w, "restart", control.restart);
    bool_member(w, "remove", control.remove);
    w.EndObject();
  });
}

Result<Control> control_from_json(std::string_view text) {
  DMC_TRY(doc, object(text, "service control"));
  Control control;
  DMC_TRY(desired, json::get_string(doc, "desired"));
  if (desired != "running" && desired != "stopped") {
    return make_error(ErrorKind::Invalid, "service control: unknown desired state '{}'", desired);
  }
  control.desired = desired == "running" ? Desired::Running : Desired::Stopped;
  DMC_TRY(seq, int_or_zero(doc, "seq"));
  control.seq = static_cast<uint64_t>(seq);
  DMC_TRY(restart, bool_or_false(doc, "restart"));
  control.restart = restart;
  DMC_TRY(remove, bool_or_false(doc, "remove"));
  control.remove = remove;
  return control;
}

std::string to_json(const Status& s) {
  return json::write([&](json::Writer& w) {
    w.StartObject();
    json::string_member(w, "phase", to_string(s.phase));
    int_member(w, "generation", static_cast<int64_t>(s.generation));
    json::string_member(w, "process_id", s.process_id);
    int_member(w, "started_ns", s.started_ns);
    int_member(w, "finished_ns", s.finished_ns);
    if (s.exit_status) int_member(w, "exit_status", *s.exit_status);
    int_member(w, "restarts", static_cast<int64_t>(s.restarts));
    int_member(w, "failures", s.failures);
    int_member(w, "next_start_ns", s.next_start_ns);
    int_member(w, "stop_started_ns", s.stop_started_ns);
    int_member(w, "seen_seq", static_cast<int64_t>(s.seen_seq));
    bool_member(w, "restart_pending", s.restart_pending);
    int_member(w, "post_started", static_cast<int64_t>(s.post_started));
    json::string_member(w, "error", s.error);
    bool_member(w, "ready", s.ready);
    bool_member(w, "liveness_failed", s.liveness_failed);
    json::string_member(w, "liveness_error", s.liveness_error);
    json::string_member(w, "readiness_error", s.readiness_error);
    json::string_member(w, "startup_error", s.startup_error);
    w.EndObject();
  });
}

Result<Status> status_from_json(std::string_view text) {
  DMC_TRY(doc, object(text, "service status"));
  Status s;
  DMC_TRY(phase_text, json::get_string(doc, "phase"));
  DMC_TRY(phase, parse_phase(phase_text));
  s.phase = phase;
  DMC_TRY(generation, int_or_zero(doc, "generation"));
  s.generation = static_cast<uint64_t>(generation);
  DMC_TRY(process_id, json::get_optional_string(doc, "process_id"));
  s.process_id = process_id.value_or("");
  DMC_TRY(started, int_or_zero(doc, "started_ns"));
  s.started_ns = started;
  DMC_TRY(finished, int_or_zero(doc, "finished_ns"));
  s.finished_ns = finished;
  DMC_TRY(exit_status, json::get_optional_int64(doc, "exit_status"));
  if (exit_status) s.exit_status = static_cast<int>(*exit_status);
  DMC_TRY(restarts, int_or_zero(doc, "restarts"));
  s.restarts = static_cast<uint64_t>(restarts);
  DMC_TRY(failures, int_or_zero(doc, "failures"));
  s.failures = static_cast<uint32_t>(failures);
  DMC_TRY(next_start, int_or_zero(doc, "next_start_ns"));
  s.next_start_ns = next_start;
  DMC_TRY(stop_started, int_or_zero(doc, "stop_started_ns"));
  s.stop_started_ns = stop_started;
  DMC_TRY(seen_seq, int_or_zero(doc, "seen_seq"));
  s.seen_seq = static_cast<uint64_t>(seen_seq);
  DMC_TRY(pending, bool_or_false(doc, "restart_pending"));
  s.restart_pending = pending;
  DMC_TRY(post_started, int_or_zero(doc, "post_started"));
  s.post_started = static_cast<uint64_t>(post_started);
  DMC_TRY(error, json::get_optional_string(doc, "error"));
  s.error = error.value_or("");
  DMC_TRY(ready, json::get_optional_bool(doc, "ready"));
  s.ready = ready.value_or(true);
  DMC_TRY(liveness_failed, bool_or_false(doc, "liveness_failed"));
  s.liveness_failed = liveness_failed;
  for (auto [key, field] : {std::pair{"liveness_error", &s.liveness_error},
                            std::pair{"readiness_error", &s.readiness_error},
                            std::pair{"startup_error", &s.startup_error}}) {
    DMC_TRY(text, json::get_optional_string(doc, key));
    *field = text.value_or("");
  }
  return s;
}

}  // namespace dmc::supervisor
