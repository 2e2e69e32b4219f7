// dmc ps: a container's processes, as a table or as JSON.
#include <iostream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cmd/commands.hpp"
#include "cmd/options.hpp"

namespace dmc::cli {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string as_json(const std::vector<process_tracker::ProcessInfo>& processes) {
  rapidjson::StringBuffer buffer;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buffer);
  w.SetIndent(' ', 2);
  w.StartArray();
  for (const auto& p : processes) {
    w.StartObject();
    w.Key("id");
    w.String(p.id.c_str());
    w.Key("pid");
    w.Int(p.pid);
    w.Key("state");
    w.String(p.state.c_str());
    w.Key("exit_status");
    if (p.exit_status) w.Int(*p.exit_status);
    else w.Null();
    w.Key("command");
    w.StartArray();
    for (const auto& c : p.command) w.String(c.c_str(), static_cast<rapidjson::SizeType>(c.size()));
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

void print_table(const std::vector<process_tracker::ProcessInfo>& processes) {
  std::cout << fmt::format("{:<38} {:>8} {:<8} {:>4}  {}\n", "ID", "PID", "STATE", "EXIT", "COMMAND");
  for (const auto& p : processes) {
    std::string exit = p.exit_status ? std::to_string(*p.exit_status) : "-";
    std::cout << fmt::format("{:<38} {:>8} {:<8} {:>4}  {}\n", p.id, p.pid, p.state, exit,
                             joined(p.command));
  }
}

}  // namespace

int list_processes(const GlobalOptions& globals, const std::vector<std::string>& args) {
  cxxopts::Options o("dmc ps", "List a container's processes: id, pid, state, exit status, command.");
  o.custom_help("HANDLE [--json]");
  o.add_options()("json", "print JSON")("handle", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    auto processes = c.processes(parsed["handle"].as<std::string>());
    if (!processes) return fail(processes.error().message);
    if (parsed["json"].as<bool>()) std::cout << as_json(*processes);
    else print_table(*processes);
    return kExitOk;
  });
}

}  // namespace dmc::cli
