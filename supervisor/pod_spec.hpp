// pod-controller's pod spec: {"initContainers": [...], "containers": [...]}.
// Each entry is an OCI runtime spec (under "spec", or the entry itself as in
// pod-controller, whose Go type embeds oci.Spec) with a name and probes.
// Parsed as pod-controller's users write it: keys match case-insensitively
// at every level (Go's encoding/json does), trailing commas are allowed, a
// nameless init container is named init-<index>, and an exec probe may be a
// bare argv array as well as Kubernetes' {"command": [...]}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "process_tracker/process_spec.hpp"
#include "supervisor/probe.hpp"
#include "supervisor/service.hpp"

namespace dmc::supervisor {

struct PodContainer {
  std::string name;  // unique in the pod; a valid part of a handle
  process_tracker::ProcessSpec process;  // from the OCI spec's process
  std::string rootfs;                    // root.path; empty: the built-in one
  std::optional<Probe> liveness;
  std::optional<Probe> readiness;
  std::optional<Probe> startup;
};

struct PodSpec {
  std::vector<PodContainer> init_containers;  // run one after another
  std::vector<PodContainer> containers;       // run side by side
  // Kubernetes' restartPolicy of the main containers: Always (the
  // default), OnFailure or Never.
  RestartPolicy restart = RestartPolicy::Always;
};

// Invalid, in one line naming where (`containers[1].livenessProbe:
// periodSeconds must be >= 1`), for anything malformed.
Result<PodSpec> parse_pod_spec(std::string_view text);

// The canonical form: every field explicit, keys as pod-controller's
// README spells them; parse_pod_spec (from_json) reads it back to an equal
// spec. For storing a parsed spec in the depot.
std::string to_json(const PodSpec& spec);
Result<PodSpec> from_json(std::string_view text);

}  // namespace dmc::supervisor
