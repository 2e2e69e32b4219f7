// Running one probe against its container, bounded by its timeoutSeconds.
#pragma once

#include "supervisor/probe.hpp"
#include "supervisor/probe_target.hpp"

namespace dmc::supervisor {

// Success, or Failure with one line saying why, in Kubernetes' words where
// it has them: `HTTP probe failed with statuscode: 500`, `dial tcp
// 127.0.0.1:80: connect: connection refused`, `command timed out`, or an
// exec's exit code and the first line of its output. Never blocks longer
// than the probe's timeout (plus killing a timed-out exec).
ProbeOutcome run_probe(const Probe& probe, ProbeTarget& target);

}  // namespace dmc::supervisor
