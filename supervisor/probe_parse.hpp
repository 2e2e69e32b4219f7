// One probe of a pod spec, read with Kubernetes' fields, defaults and range
// checks (supervisor-internal: pod_spec.cpp uses it).
#pragma once

#include <string_view>

#include "common/json.hpp"
#include "common/result.hpp"
#include "supervisor/probe.hpp"

namespace dmc::supervisor {

// where names the probe (`containers[0].livenessProbe`) in errors.
Result<Probe> parse_probe(const json::Value& value, std::string_view where, ProbeKind kind);

}  // namespace dmc::supervisor
