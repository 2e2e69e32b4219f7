// Capability names by number, and the set this process may hand on: a
// container can never get a capability missing from its creator's bounding set.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace dmc::bundler {

// Every capability, CAP_CHOWN (0) to CAP_CHECKPOINT_RESTORE (40), in number order.
std::vector<std::string> all_capabilities();

// The names of the capabilities whose bits are set in mask.
std::vector<std::string> capabilities_in(uint64_t mask);

// The CapBnd mask from the text of a /proc/<pid>/status file.
Result<uint64_t> bounding_set_from_status(std::string_view status);

// The capabilities in this process's bounding set; all of them when
// /proc/self/status cannot be read.
std::vector<std::string> held_capabilities();

}  // namespace dmc::bundler
