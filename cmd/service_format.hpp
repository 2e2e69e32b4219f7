// `dmc service ls`: a table for people.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "supervisor/services.hpp"

namespace dmc::cli {

// NAME STATE PROCESS RESTARTS EXIT SINCE COMMAND, one line per service;
// `now_ns` makes SINCE ("5s", "3m", "2h") testable.
std::string services_table(const std::vector<supervisor::ServiceView>& views, int64_t now_ns);

}  // namespace dmc::cli
