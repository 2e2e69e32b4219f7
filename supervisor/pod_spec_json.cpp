// The canonical JSON form of a parsed pod spec (pod_spec.hpp's to_json):
// every field written, so that reading it back needs no default.
#include <charconv>
#include <optional>

#include "common/json_writer.hpp"
#include "supervisor/pod_spec.hpp"
#include "supervisor/probe_parse.hpp"

namespace dmc::supervisor {
namespace {
using json::Writer;

void int_member(Writer& w, std::string_view key, int value) {
  json::key(w, key);
  w.Int(value);
}

void write_action(Writer& w, const ExecAction& exec) {
  json::key(w, "exec");
  w.StartObject();
  json::strings(w, "command", exec.command);
  w.EndObject();
}

void write_action(Writer& w, const HttpGetAction& http) {
  json::key(w, "httpGet");
  w.StartObject();
  json::string_member(w, "scheme", "HTTP");
  json::string_member(w, "host", http.host);
  int_member(w, "port", http.port);
  json::string_member(w, "path", http.path);
  json::key(w, "httpHeaders");
  w.StartArray();
  for (const auto& h : http.headers) {
    w.StartObject();
    json::string_member(w, "name", h.name);
    json::string_member(w, "value", h.value);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}

void write_action(Writer& w, const TcpSocketAction& tcp) {
  json::key(w, "tcpSocket");
  w.StartObject();
  json::string_member(w, "host", tcp.host);
  int_member(w, "port", tcp.port);
  w.EndObject();
}

}  // namespace

void write_probe(json::Writer& w, std::string_view key, const std::optional<Probe>& probe) {
  if (!probe) return;
  json::key(w, key);
  w.StartObject();
  std::visit([&](const auto& action) { write_action(w, action); }, probe->action);
  int_member(w, "initialDelaySeconds", probe->initial_delay_seconds);
  int_member(w, "periodSeconds", probe->period_seconds);
  int_member(w, "timeoutSeconds", probe->timeout_seconds);
  int_member(w, "successThreshold", probe->success_threshold);
  int_member(w, "failureThreshold", probe->failure_threshold);
  w.EndObject();
}

namespace {

std::optional<int> number(std::string_view text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// "uid[:gid]", as pod_spec.cpp makes it from the OCI user (a user given by
// name has no OCI form: it is left out).
void write_user(Writer& w, const std::string& user) {
  const size_t colon = user.find(':');
  auto uid = number(std::string_view(user).substr(0, colon));
  auto gid = colon == std::string::npos ? std::optional<int>()
                                        : number(std::string_view(user).substr(colon + 1));
  if (!uid || (colon != std::string::npos && !gid)) return;
  json::key(w, "user");
  w.StartObject();
  int_member(w, "uid", *uid);
  if (gid) int_member(w, "gid", *gid);
  w.EndObject();
}

void write_process(Writer& w, const process_tracker::ProcessSpec& process) {
  json::key(w, "process");
  w.StartObject();
  std::vector<std::string> args = {process.path};
  args.insert(args.end(), process.args.begin(), process.args.end());
  json::strings(w, "args", args);
  json::strings(w, "env", process.env);
  json::string_member(w, "cwd", process.dir);
  write_user(w, process.user);
  json::key(w, "terminal");
  w.Bool(process.tty);
  w.EndObject();
}

void write_container(Writer& w, const PodContainer& c) {
  w.StartObject();
  json::string_member(w, "name", c.name);
  json::key(w, "spec");
  w.StartObject();
  write_process(w, c.process);
  json::key(w, "root");
  w.StartObject();
  json::string_member(w, "path", c.rootfs);
  w.EndObject();
  w.EndObject();
  write_probe(w, "livenessProbe", c.liveness);
  write_probe(w, "readinessProbe", c.readiness);
  write_probe(w, "startupProbe", c.startup);
  w.EndObject();
}

void write_list(Writer& w, std::string_view key, const std::vector<PodContainer>& list) {
  json::key(w, key);
  w.StartArray();
  for (const auto& c : list) write_container(w, c);
  w.EndArray();
}

}  // namespace

std::string to_json(const PodSpec& spec) {
  return json::write([&](Writer& w) {
    w.StartObject();
    write_list(w, "initContainers", spec.init_containers);
    write_list(w, "containers", spec.containers);
    constexpr const char* kPolicies[] = {"Always", "OnFailure", "Never"};
    json::string_member(w, "restartPolicy", kPolicies[static_cast<int>(spec.restart)]);
    w.EndObject();
  });
}

}  // namespace dmc::supervisor
