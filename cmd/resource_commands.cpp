// dmc limit / metrics / property.
#include <iostream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cmd/cli_args.hpp"
#include "cmd/cli_output.hpp"
#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "cmd/show_command.hpp"
#include "common/json.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;

Result<containerizer::Limits> limit_changes(const cxxopts::ParseResult& p) {
  return parse_limits({optional_value(p, "memory"), optional_value(p, "cpu-shares"),
                       optional_value(p, "pids")});
}

std::string metrics_text(const containerizer::Metrics& m) {
  return fmt::format("memory usage   {} bytes (cache {}, rss {}, toward limit {})\n",
                     m.memory.usage, m.memory.cache, m.memory.rss,
                     m.memory.total_usage_toward_limit) +
         fmt::format("memory limit   {}\n",
                     m.memory.limit ? std::to_string(m.memory.limit) : "none") +
         fmt::format("cpu            {} ns (user {}, system {})\n", m.cpu.usage_ns,
                     m.cpu.user_ns, m.cpu.system_ns) +
         fmt::format("pids           {} of {}\n", m.pids.current,
                     m.pids.max ? std::to_string(m.pids.max) : "no limit") +
         fmt::format("age            {:.3f} s\n", static_cast<double>(m.age_ns) / 1e9);
}

// List, get, set or remove, as the arguments say.
int property_action(containerizer::Containerizer& c, const cxxopts::ParseResult& parsed) {
  const auto handle = parsed["handle"].as<std::string>();
  if (parsed.count("remove")) {
    return exit_code(c.remove_property(handle, parsed["remove"].as<std::string>()));
  }
  if (!parsed.count("what")) {
    auto props = c.properties(handle);
    if (!props) return fail(props.error().message);
    std::cout << properties_json(*props);
    return kExitOk;
  }
  const auto what = parsed["what"].as<std::string>();
  if (what.find('=') == std::string::npos) {
    auto value = c.property(handle, what);
    if (!value) return fail(value.error().message);
    std::cout << *value << "\n";
    return kExitOk;
  }
  auto kv = parse_property(what);
  if (!kv) return fail_usage(kv.error());
  return exit_code(c.set_property(handle, kv->first, kv->second));
}

}  // namespace

int limit_container(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc limit",
                     "Change a running container's limits (those given; the others stay), or "
                     "print the limits in force as JSON when none is given.");
  o.custom_help("HANDLE [--memory SIZE] [--cpu-shares N] [--pids N]");
  o.add_options()
    ("memory", "memory limit, e.g. 512M (swap is limited to the same)", cxxopts::value<std::string>(), "SIZE")
    ("cpu-shares", "relative cpu weight (2-262144)", cxxopts::value<std::string>(), "N")
    ("pids", "maximum number of processes", cxxopts::value<std::string>(), "N")
    ("handle", "", cxxopts::value<std::string>())("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  auto changes = limit_changes(parsed);
  if (!changes) return fail_usage(changes.error());
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    const auto handle = parsed["handle"].as<std::string>();
    if (changes->memory_bytes || changes->cpu_shares || changes->pids_max) {
      return exit_code(c.update_limits(handle, *changes));
    }
    auto limits = c.limits(handle);
    if (!limits) return fail(limits.error().message);
    std::cout << limits_json(*limits);
    return kExitOk;
  });
}

int show_metrics(const GlobalOptions& globals, const Strings& args) {
  return show_command(
      globals, args,
      ShowCommand<containerizer::Metrics>{
          .name = "dmc metrics",
          .about = "Show what a container uses, from its cgroup: memory, cpu, pids, age.",
          .fetch = &containerizer::Containerizer::metrics,
          .to_json = metrics_json,
          .to_text = metrics_text,
      });
}

int property_command(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc property",
                     "List a container's properties (JSON), get one (KEY), set one "
                     "(KEY=VALUE) or remove one (--remove KEY). A key is not empty and holds no '=', "
                     "newline or other control character.");
  o.custom_help("HANDLE [KEY | KEY=VALUE | --remove KEY]");
  o.add_options()
    ("remove", "remove this property", cxxopts::value<std::string>(), "KEY")
    ("handle", "", cxxopts::value<std::string>())("what", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle", "what"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    return property_action(c, parsed);
  });
}

}  // namespace dmc::cli
