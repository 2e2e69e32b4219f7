// dmc ps: a container's processes, as a table or as JSON.
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cmd/commands.hpp"
#include "cmd/show_command.hpp"

namespace dmc::cli {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

std::string as_json(const std::vector<containerizer::ProcessInfo>& processes) {
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
    w.Key("group");  // its sub-cgroup (dmc run --group), null when none
    if (p.group.empty()) w.Null();
    else w.String(p.group.c_str(), static_cast<rapidjson::SizeType>(p.group.size()));
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string table(const std::vector<containerizer::ProcessInfo>& processes) {
  std::string out =
      fmt::format("{:<38} {:>8} {:<8} {:>4}  {}\n", "ID", "PID", "STATE", "EXIT", "COMMAND");
  for (const auto& p : processes) {
    std::string exit = p.exit_status ? std::to_string(*p.exit_status) : "-";
    out += fmt::format("{:<38} {:>8} {:<8} {:>4}  {}\n", p.id, p.pid, p.state, exit,
                       joined(p.command));
  }
  return out;
}

}  // namespace

int list_processes(const GlobalOptions& globals, const std::vector<std::string>& args) {
  return show_command(
      globals, args,
      ShowCommand<std::vector<containerizer::ProcessInfo>>{
          .name = "dmc ps",
          .about = "List a container's processes: id, pid, state, exit status, command "
                   "(and, with --json, the group it was run in).",
          .fetch = &containerizer::Containerizer::processes,
          .to_json = as_json,
          .to_text = table,
      });
}

}  // namespace dmc::cli
