// dmc's commands: each parses its own options, then asks the containerizer.
#pragma once

#include <string>
#include <vector>

#include "cmd/wiring.hpp"

namespace dmc::cli {

using CommandFn = int (*)(const GlobalOptions&, const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

const std::vector<Command>& commands();

}  // namespace dmc::cli
