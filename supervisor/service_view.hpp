// A service as front doors show it: one JSON object, the same from
// `dmc service ls --json` and from dmcd.
#pragma once

#include <string>
#include <vector>

#include "supervisor/services.hpp"

namespace dmc::supervisor {

// {"name","state","desired","restart","generation","process","restarts",
//  "exit_status" (null until an exit),"started_at","finished_at",
//  "next_start_at" (RFC 3339, null when none),"error","command",
//  "control_socket","ready","probe_errors":{"liveness","readiness","startup"},
//  "supervised"}
std::string view_json(const ServiceView& view);
std::string views_json(const std::vector<ServiceView>& views);

}  // namespace dmc::supervisor
