// One probe, read with Kubernetes' fields, defaults and range checks, and
// written in its canonical form (pod specs and services store probes so).
#pragma once

#include <optional>
#include <string_view>

#include "common/json.hpp"
#include "common/json_writer.hpp"
#include "common/result.hpp"
#include "supervisor/probe.hpp"

namespace dmc::supervisor {

// where names the probe (`containers[0].livenessProbe`) in errors.
Result<Probe> parse_probe(const json::Value& value, std::string_view where, ProbeKind kind);
// key: the probe in Kubernetes' fields; nothing when there is none.
void write_probe(json::Writer& w, std::string_view key, const std::optional<Probe>& probe);

}  // namespace dmc::supervisor
