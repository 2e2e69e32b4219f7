// dmc's commands: each parses its own options, then asks the containerizer.
#pragma once

#include <string>
#include <vector>

#include "cmd/system.hpp"

namespace dmc::cli {

using CommandFn = int (*)(const GlobalOptions&, const std::vector<std::string>& args);

struct Command {
  const char* name;
  const char* summary;
  CommandFn run;
};

const std::vector<Command>& commands();

// process_commands.cpp
int run_process(const GlobalOptions& globals, const std::vector<std::string>& args);
int attach_process(const GlobalOptions& globals, const std::vector<std::string>& args);
int signal_process(const GlobalOptions& globals, const std::vector<std::string>& args);
int list_processes(const GlobalOptions& globals, const std::vector<std::string>& args);
int stop_container(const GlobalOptions& globals, const std::vector<std::string>& args);

// stream_commands.cpp
int stream_in(const GlobalOptions& globals, const std::vector<std::string>& args);
int stream_out(const GlobalOptions& globals, const std::vector<std::string>& args);

// resource_commands.cpp
int limit_container(const GlobalOptions& globals, const std::vector<std::string>& args);
int show_metrics(const GlobalOptions& globals, const std::vector<std::string>& args);
int property_command(const GlobalOptions& globals, const std::vector<std::string>& args);

// pause_commands.cpp
int pause_container(const GlobalOptions& globals, const std::vector<std::string>& args);
int resume_container(const GlobalOptions& globals, const std::vector<std::string>& args);
int stats_command(const GlobalOptions& globals, const std::vector<std::string>& args);

// service_commands.cpp
int service_command(const GlobalOptions& globals, const std::vector<std::string>& args);
// pod_commands.cpp
int pod_command(const GlobalOptions& globals, const std::vector<std::string>& args);

// events_command.cpp
int show_events(const GlobalOptions& globals, const std::vector<std::string>& args);

}  // namespace dmc::cli
