// runrunc's own helpers, shared between its .cpp files and its tests; not
// part of the interface other folders use.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "runrunc/runtime.hpp"

namespace dmc::runrunc {

// The lines of a runtime log (or stderr), trimmed, blank ones left out.
std::vector<std::string_view> log_lines(std::string_view log);

// "runc" or "crun": the prefix of every error message.
std::string_view flavor_name(Flavor flavor);

// The kind of a failed call from the runtime's last error message:
// NotFound when the container does not exist, AlreadyExists when its id is
// taken, Internal otherwise. Knows the texts of runc 1.1.5 and crun 1.8.1.
ErrorKind classify_error(std::string_view message, std::string_view id);

// The kind of a failed exec: ExecutableNotFound when the program does not
// exist (or a part of its path is not a directory), NotExecutable when it
// is a directory or has no x bit; else as classify_error. An empty id
// stands for any container. Knows the texts of runc 1.1.5 and crun 1.8.1.
ErrorKind classify_exec_error(std::string_view message, std::string_view id);

// Parses the stdout of `<runtime> state <id>`; malformed output is an
// Internal error naming what is wrong.
Result<State> parse_state(std::string_view text);

}  // namespace dmc::runrunc
