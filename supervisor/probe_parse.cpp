#include "supervisor/probe_parse.hpp"

#include <arpa/inet.h>

#include "supervisor/spec_reader.hpp"

namespace dmc::supervisor {
namespace {
using spec::invalid;
using spec::Value;

Result<std::vector<std::string>> exec_command(const Value& exec, std::string_view where) {
  std::vector<std::string> command;
  if (exec.IsArray()) {  // pod-controller's form: a bare argv
    DMC_TRY(argv, spec::strings(exec, where));
    command = std::move(argv);
  } else if (exec.IsObject()) {  // Kubernetes' form
    DMC_TRY(array, spec::get_array(exec, where, "command"));
    if (!array) return invalid(where, "command is missing");
    DMC_TRY(argv, spec::strings(*array, spec::child(where, "command")));
    command = std::move(argv);
  } else {
    return invalid(where, "must be an argv array or {\"command\": [...]}");
  }
  if (command.empty()) return invalid(where, "command must not be empty");
  return command;
}

Result<int> port_of(const Value& action, std::string_view where) {
  const Value* port = spec::find(action, "port");
  if (!port) return invalid(where, "port is missing");
  if (port->IsString()) {
    return invalid(where, fmt::format("named port '{}' is not supported: a dmc container has "
                                      "no named ports, give a number",
                                      port->GetString()));
  }
  if (!port->IsInt() || port->GetInt() < 1 || port->GetInt() > 65535) {
    return invalid(where, "port must be a number from 1 to 65535");
  }
  return port->GetInt();
}

Result<std::string> host_of(const Value& action, std::string_view where) {
  DMC_TRY(host, spec::get_string(action, where, "host"));
  if (!host || host->empty()) return std::string(kProbeDefaultHost);
  in_addr addr{};
  if (::inet_pton(AF_INET, host->c_str(), &addr) != 1) {
    return invalid(where, fmt::format("host '{}' must be an IPv4 address", *host));
  }
  return *host;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

Result<std::vector<HttpHeader>> headers_of(const Value& action, std::string_view where) {
  DMC_TRY(array, spec::get_array(action, where, "httpHeaders"));
  std::vector<HttpHeader> headers;
  if (!array) return headers;
  for (size_t i = 0; i < array->Size(); ++i) {
    const std::string at = spec::item(spec::child(where, "httpHeaders"), i);
    const Value& h = (*array)[static_cast<rapidjson::SizeType>(i)];
    if (!h.IsObject()) return invalid(at, "must be an object");
    DMC_TRY(name, spec::get_string(h, at, "name"));
    DMC_TRY(value, spec::get_string(h, at, "value"));
    if (!name || name->empty() || name->find_first_of(": \t\r\n") != std::string::npos) {
      return invalid(at, "name must be a header name (no spaces or colons)");
    }
    if (has_line_break(value.value_or(""))) return invalid(at, "value must be one line");
    headers.push_back({*name, value.value_or("")});
  }
  return headers;
}

Result<HttpGetAction> http_get(const Value& action, std::string_view where) {
  if (!action.IsObject()) return invalid(where, "must be an object");
  HttpGetAction http;
  DMC_TRY(scheme, spec::get_string(action, where, "scheme"));
  if (scheme && !scheme->empty() && *scheme != "HTTP" && *scheme != "http") {
    return invalid(where, fmt::format("scheme {} is not supported: probes speak plain HTTP only",
                                      *scheme));
  }
  DMC_TRY(port, port_of(action, where));
  DMC_TRY(host, host_of(action, where));
  DMC_TRY(path, spec::get_string(action, where, "path"));
  http.port = port;
  http.host = std::move(host);
  if (path && !path->empty()) http.path = path->front() == '/' ? *path : "/" + *path;
  if (http.path.find_first_of(" \t\r\n") != std::string::npos) {
    return invalid(where, "path must have no spaces or line breaks");
  }
  DMC_TRY(headers, headers_of(action, where));
  http.headers = std::move(headers);
  return http;
}

Result<TcpSocketAction> tcp_socket(const Value& action, std::string_view where) {
  if (!action.IsObject()) return invalid(where, "must be an object");
  DMC_TRY(port, port_of(action, where));
  DMC_TRY(host, host_of(action, where));
  return TcpSocketAction{.host = std::move(host), .port = port};
}

Result<ProbeAction> action_of(const Value& probe, std::string_view where) {
  if (spec::find(probe, "grpc")) return invalid(where, "grpc probes are not supported");
  const Value* exec = spec::find(probe, "exec");
  const Value* http = spec::find(probe, "httpGet");
  const Value* tcp = spec::find(probe, "tcpSocket");
  const int given = (exec ? 1 : 0) + (http ? 1 : 0) + (tcp ? 1 : 0);
  if (given != 1) return invalid(where, "needs exactly one of exec, httpGet, tcpSocket");
  if (exec) {
    DMC_TRY(command, exec_command(*exec, spec::child(where, "exec")));
    return ProbeAction(ExecAction{std::move(command)});
  }
  if (http) {
    DMC_TRY(action, http_get(*http, spec::child(where, "httpGet")));
    return ProbeAction(std::move(action));
  }
  DMC_TRY(action, tcp_socket(*tcp, spec::child(where, "tcpSocket")));
  return ProbeAction(std::move(action));
}

// An integer field, its default when absent, and at least minimum.
Result<void> timing(const Value& probe, std::string_view where, std::string_view key,
                    int minimum, int& field) {
  DMC_TRY(value, spec::get_int(probe, where, key));
  if (value) field = *value;
  if (field < minimum) return invalid(where, fmt::format("{} must be >= {}", key, minimum));
  return {};
}

}  // namespace

Result<Probe> parse_probe(const Value& value, std::string_view where, ProbeKind kind) {
  if (!value.IsObject()) return invalid(where, "must be an object");
  DMC_TRY(action, action_of(value, where));
  Probe probe{.action = std::move(action)};
  DMC_CHECK(timing(value, where, "initialDelaySeconds", 0, probe.initial_delay_seconds));
  DMC_CHECK(timing(value, where, "periodSeconds", 1, probe.period_seconds));
  DMC_CHECK(timing(value, where, "timeoutSeconds", 1, probe.timeout_seconds));
  DMC_CHECK(timing(value, where, "successThreshold", 1, probe.success_threshold));
  DMC_CHECK(timing(value, where, "failureThreshold", 1, probe.failure_threshold));
  if (kind != ProbeKind::Readiness && probe.success_threshold != 1) {
    return invalid(where, "successThreshold must be 1 for a liveness or startup probe");
  }
  return probe;
}

}  // namespace dmc::supervisor
