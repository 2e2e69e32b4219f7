// The commands that show one thing about a container (dmc ps, dmc metrics)
// have one shape: "HANDLE [--json]", fetch the thing, print it as JSON or
// as text. Each command names only what differs.
#pragma once

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "cmd/options.hpp"
#include "cmd/system.hpp"

namespace dmc::cli {

struct ShowRequest {
  std::string handle;
  bool json = false;
};

// Parses "HANDLE [--json]" for the command `name` ("dmc ps"); nullopt when
// --help was asked for (and printed). Throws on bad usage, as parse_command.
std::optional<ShowRequest> parse_show(const char* name, const char* about,
                                      const std::vector<std::string>& args);

template <class T>
struct ShowCommand {
  const char* name;
  const char* about;  // the first line of --help
  Result<T> (containerizer::Containerizer::*fetch)(const std::string& handle) const;
  std::string (*to_json)(const T&);
  std::string (*to_text)(const T&);
};

template <class T>
int show_command(const GlobalOptions& globals, const std::vector<std::string>& args,
                 const ShowCommand<T>& command) {
  auto request = parse_show(command.name, command.about, args);
  if (!request) return kExitOk;
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    auto value = (c.*command.fetch)(request->handle);
    if (!value) return fail(value.error().message);
    std::cout << (request->json ? command.to_json(*value) : command.to_text(*value));
    return kExitOk;
  });
}

}  // namespace dmc::cli
