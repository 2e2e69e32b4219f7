// The dmc-nstar helper's work, from parsed arguments to a finished stream.
#pragma once

#include "common/result.hpp"
#include "nstar/helper_args.hpp"

namespace dmc::nstar {

// Enters the container of args.init_pid as args.user, then extracts stdin
// at args.path ("in", reading stdin to its end whatever happens) or writes
// a tar stream of args.path to stdout ("out").
Result<void> run_helper(const HelperArgs& args);

// Prints the error as one line on stderr; returns the exit status for it.
int report_failure(const Error& error);

}  // namespace dmc::nstar
