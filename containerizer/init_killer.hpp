#pragma once

#include <string>

#include "common/process_proof.hpp"
#include "common/result.hpp"

namespace dmc::containerizer {

// Sends SIGKILL to a container's init, and so to its whole pid namespace,
// and waits until it has exited. Does nothing (returns false) when the init
// is gone or its pid is another process's now (see process_proof.hpp).
Result<bool> kill_init(const proc::Claim& init);

}  // namespace dmc::containerizer
