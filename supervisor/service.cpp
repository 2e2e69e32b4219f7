#include "supervisor/service.hpp"

#include <fmt/format.h>

#include "common/json.hpp"
#include "common/json_writer.hpp"
#include "common/name.hpp"
#include "supervisor/probe_parse.hpp"

namespace dmc::supervisor {
namespace {

constexpr size_t kMaxSocketPath = 100;  // sun_path holds 108 with its NUL

Result<std::vector<std::string>> get_strings(const json::Value& object, const char* key) {
  DMC_TRY(array, json::get_optional_array(object, key));
  std::vector<std::string> out;
  if (!array) return out;
  for (const auto& item : array->GetArray()) {
    if (!item.IsString()) return make_error(ErrorKind::Invalid, "service: {} must hold strings", key);
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

Result<std::chrono::milliseconds> get_ms(const json::Value& object, const char* key,
                                         std::chrono::milliseconds fallback) {
  DMC_TRY(value, json::get_optional_int64(object, key));
  return value ? std::chrono::milliseconds(*value) : fallback;
}

Result<void> check_socket_path(const std::string& path) {
  if (path.empty()) return {};
  if (path.front() != '/') {
    return make_error(ErrorKind::Invalid, "control socket '{}': must be an absolute path", path);
  }
  if (path.size() > kMaxSocketPath) {
    return make_error(ErrorKind::Invalid, "control socket '{}': longer than {} bytes", path,
                      kMaxSocketPath);
  }
  if (path.back() == '/' || path.find("/../") != std::string::npos ||
      path.ends_with("/..") || path.find('\0') != std::string::npos) {
    return make_error(ErrorKind::Invalid, "control socket '{}': must name a file", path);
  }
  return {};
}

void write_process(json::Writer& w, const process_tracker::ProcessSpec& p) {
  w.StartObject();
  json::string_member(w, "path", p.path);
  json::strings(w, "args", p.args);
  json::strings(w, "env", p.env);
  json::string_member(w, "dir", p.dir);
  json::string_member(w, "user", p.user);
  w.EndObject();
}

Result<process_tracker::ProcessSpec> read_process(const json::Value& object) {
  process_tracker::ProcessSpec p;
  DMC_TRY(path, json::get_string(object, "path"));
  p.path = std::move(path);
  DMC_TRY(args, get_strings(object, "args"));
  p.args = std::move(args);
  DMC_TRY(env, get_strings(object, "env"));
  p.env = std::move(env);
  DMC_TRY(dir, json::get_optional_string(object, "dir"));
  p.dir = dir.value_or("");
  DMC_TRY(user, json::get_optional_string(object, "user"));
  p.user = user.value_or("");
  return p;
}

Result<void> read_probe(const json::Value& doc, const char* key, ProbeKind kind,
                        std::optional<Probe>& out) {
  DMC_TRY(value, json::get_optional_object(doc, key));
  if (!value) return {};
  DMC_TRY(probe, parse_probe(*value, fmt::format("service: {}", key), kind));
  out = std::move(probe);
  return {};
}

Result<void> read_probes(const json::Value& doc, ServiceSpec& spec) {
  DMC_CHECK(read_probe(doc, "livenessProbe", ProbeKind::Liveness, spec.liveness));
  DMC_CHECK(read_probe(doc, "readinessProbe", ProbeKind::Readiness, spec.readiness));
  return read_probe(doc, "startupProbe", ProbeKind::Startup, spec.startup);
}

void write_ms(json::Writer& w, std::string_view key, std::chrono::milliseconds value) {
  json::key(w, key);
  w.Int64(value.count());
}

}  // namespace

std::string_view to_string(RestartPolicy policy) {
  switch (policy) {
    case RestartPolicy::Always: return "always";
    case RestartPolicy::OnFailure: return "on-failure";
    case RestartPolicy::Never: return "never";
  }
  return "always";
}

Result<RestartPolicy> parse_restart_policy(std::string_view text) {
  for (auto policy : {RestartPolicy::Always, RestartPolicy::OnFailure, RestartPolicy::Never}) {
    if (text == to_string(policy)) return policy;
  }
  return make_error(ErrorKind::Invalid,
                    "invalid restart policy '{}': use always, on-failure or never", text);
}

Result<void> validate(const ServiceSpec& spec) {
  DMC_CHECK(validate_name("service name", spec.name));
  if (spec.process.path.empty()) {
    return make_error(ErrorKind::Invalid, "service '{}': no program to run", spec.name);
  }
  DMC_CHECK(check_socket_path(spec.control_socket));
  using std::chrono::milliseconds;
  if (spec.stop_grace < milliseconds(0) || spec.backoff <= milliseconds(0) ||
      spec.max_backoff < spec.backoff) {
    return make_error(ErrorKind::Invalid,
                      "service '{}': the stop grace must not be negative and the backoff must "
                      "be positive and at most the max backoff",
                      spec.name);
  }
  return {};
}

std::string group_of(std::string_view service) { return fmt::format("service-{}", service); }

std::string process_id_of(std::string_view service, uint64_t generation) {
  return fmt::format("{}.{}", service, generation);
}

Result<Probe> probe_from_json(std::string_view text, std::string_view what, ProbeKind kind) {
  DMC_TRY(doc, json::parse(text, what));
  if (!doc.IsObject()) return make_error(ErrorKind::Invalid, "{}: not a JSON object", what);
  return parse_probe(doc, what, kind);
}

std::string to_json(const ServiceSpec& spec) {
  return json::write([&](json::Writer& w) {
    w.StartObject();
    json::string_member(w, "name", spec.name);
    json::key(w, "process");
    write_process(w, spec.process);
    json::string_member(w, "restart", to_string(spec.restart));
    json::string_member(w, "post_start", spec.post_start);
    json::string_member(w, "post_start_condition", spec.post_start_condition);
    json::string_member(w, "control_socket", spec.control_socket);
    write_ms(w, "stop_grace_ms", spec.stop_grace);
    write_ms(w, "backoff_ms", spec.backoff);
    write_ms(w, "max_backoff_ms", spec.max_backoff);
    write_probe(w, "livenessProbe", spec.liveness);
    write_probe(w, "readinessProbe", spec.readiness);
    write_probe(w, "startupProbe", spec.startup);
    w.EndObject();
  });
}

Result<ServiceSpec> service_from_json(std::string_view text) {
  DMC_TRY(doc, json::parse(text, "service"));
  if (!doc.IsObject()) return make_error(ErrorKind::Invalid, "service: not a JSON object");
  ServiceSpec spec;
  DMC_TRY(name, json::get_string(doc, "name"));
  spec.name = std::move(name);
  DMC_TRY(process, json::get_object(doc, "process"));
  DMC_TRY(p, read_process(*process));
  spec.process = std::move(p);
  DMC_TRY(restart, json::get_optional_string(doc, "restart"));
  DMC_TRY(policy, parse_restart_policy(restart.value_or("always")));
  spec.restart = policy;
  DMC_TRY(post_start, json::get_optional_string(doc, "post_start"));
  spec.post_start = post_start.value_or("");
  DMC_TRY(condition, json::get_optional_string(doc, "post_start_condition"));
  spec.post_start_condition = condition.value_or("");
  DMC_TRY(socket, json::get_optional_string(doc, "control_socket"));
  spec.control_socket = socket.value_or("");
  DMC_TRY(grace, get_ms(doc, "stop_grace_ms", kDefaultStopGrace));
  spec.stop_grace = grace;
  DMC_TRY(backoff, get_ms(doc, "backoff_ms", kDefaultBackoff));
  spec.backoff = backoff;
  DMC_TRY(max_backoff, get_ms(doc, "max_backoff_ms", kDefaultMaxBackoff));
  spec.max_backoff = max_backoff;
  DMC_CHECK(read_probes(doc, spec));
  DMC_CHECK(validate(spec));
  return spec;
}

}  // namespace dmc::supervisor
