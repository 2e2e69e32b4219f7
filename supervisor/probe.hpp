// A probe of a pod container, as its spec gives it (Kubernetes' Probe):
// what to try (exec, httpGet, tcpSocket) and how often, with Kubernetes'
// defaults. Plain values: parsed by pod_spec.hpp, run by probe_runner.hpp,
// scheduled by probe_state.hpp.
#pragma once

#include <string>
#include <variant>
#include <vector>

namespace dmc::supervisor {

// The container's own loopback (each dmc container has its own netns).
inline constexpr const char* kProbeDefaultHost = "127.0.0.1";

// Runs argv in the container; exit code 0 passes.
struct ExecAction {
  std::vector<std::string> command = {};
  bool operator==(const ExecAction&) const = default;
};

struct HttpHeader {
  std::string name;
  std::string value;
  bool operator==(const HttpHeader&) const = default;
};

// A plain-HTTP GET inside the container's netns; 200 <= status < 400 passes.
struct HttpGetAction {
  std::string host = kProbeDefaultHost;  // an IPv4 address
  int port = 0;
  std::string path = "/";
  std::vector<HttpHeader> headers = {};
  bool operator==(const HttpGetAction&) const = default;
};

// A TCP connect inside the container's netns; connecting passes.
struct TcpSocketAction {
  std::string host = kProbeDefaultHost;  // an IPv4 address
  int port = 0;
  bool operator==(const TcpSocketAction&) const = default;
};

using ProbeAction = std::variant<ExecAction, HttpGetAction, TcpSocketAction>;

// Which of a container's probes: their rules differ (probe_state.hpp).
enum class ProbeKind { Liveness, Readiness, Startup };

struct Probe {
  ProbeAction action;
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
  bool operator==(const Probe&) const = default;
};

// What one run of a probe found: a failure says why in one line, in
// Kubernetes' words where it has them.
struct ProbeOutcome {
  bool success = false;
  std::string message = {};  // empty on success
};

}  // namespace dmc::supervisor
