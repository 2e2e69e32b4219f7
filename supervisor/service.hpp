// A service: a named process of a container that a supervisor keeps
// running under a restart policy, with process control (STOP / START /
// QUIT) from the CLI, a server, or a datagram socket inside the container.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "process_tracker/process_spec.hpp"
#include "supervisor/probe.hpp"

namespace dmc::supervisor {

enum class RestartPolicy { Always, OnFailure, Never };
std::string_view to_string(RestartPolicy policy);
// "always", "on-failure" or "never"; Invalid otherwise.
Result<RestartPolicy> parse_restart_policy(std::string_view text);

// Kubernetes' and quarks' numbers, the defaults of a service.
inline constexpr std::chrono::milliseconds kDefaultStopGrace{20'000};
inline constexpr std::chrono::milliseconds kDefaultBackoff{10'000};
inline constexpr std::chrono::milliseconds kDefaultMaxBackoff{300'000};
// A generation that ran this long resets the backoff (Kubernetes: 10 min).
inline constexpr std::chrono::milliseconds kBackoffReset{600'000};

struct ServiceSpec {
  std::string name;
  // What runs: path, args, env, dir, user. Its id and group are the
  // supervisor's: <name>.<generation>, in the group "service-<name>".
  process_tracker::ProcessSpec process;
  RestartPolicy restart = RestartPolicy::Always;
  // Shell commands (sh -c) run in the container after each start: the
  // condition every 3 s until it exits 0 (for at most 15 min), then the
  // post-start command once. Both belong to the service: STOP ends them.
  std::string post_start;
  std::string post_start_condition;
  // An absolute path inside the container where a unix datagram socket
  // takes STOP, START and QUIT; empty: none.
  std::string control_socket;
  std::chrono::milliseconds stop_grace = kDefaultStopGrace;
  std::chrono::milliseconds backoff = kDefaultBackoff;  // before the first restart
  std::chrono::milliseconds max_backoff = kDefaultMaxBackoff;
  // Kubernetes' probes (a pod container's): liveness failing past its
  // threshold ends the run, counted as a failure under the policy;
  // readiness is the ready bit; startup gates both. None while stopped.
  std::optional<Probe> liveness;
  std::optional<Probe> readiness;
  std::optional<Probe> startup;
};

// The name (a valid name: it becomes a directory and a cgroup), a program,
// an absolute control socket path of at most 100 bytes without "..",
// positive times with backoff <= max_backoff.
Result<void> validate(const ServiceSpec& spec);

// The cgroup group and the process id of a service's generation.
std::string group_of(std::string_view service);
std::string process_id_of(std::string_view service, uint64_t generation);

// A probe as Kubernetes writes it ({"exec":{"command":[...]},"periodSeconds":1}),
// from a command line or a request; `what` names it in errors.
Result<Probe> probe_from_json(std::string_view text, std::string_view what, ProbeKind kind);

std::string to_json(const ServiceSpec& spec);
Result<ServiceSpec> service_from_json(std::string_view text);

}  // namespace dmc::supervisor
