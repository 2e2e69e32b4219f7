// TCP and HTTP probes over a socket the target made (supervisor-internal).
#pragma once

#include <chrono>

#include "supervisor/probe.hpp"
#include "supervisor/probe_target.hpp"

namespace dmc::supervisor {

using Deadline = std::chrono::steady_clock::time_point;

ProbeOutcome probe_tcp(const TcpSocketAction& tcp, ProbeTarget& target, Deadline deadline);
ProbeOutcome probe_http(const HttpGetAction& http, ProbeTarget& target, Deadline deadline);

}  // namespace dmc::supervisor
