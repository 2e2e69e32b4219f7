// dmc service add / ls / stop / start / restart / rm: supervised processes.
#include <iostream>
#include <tuple>

#include "cmd/cli_args.hpp"
#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "cmd/service_format.hpp"
#include "common/clock.hpp"
#include "supervisor/service_view.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;
using supervisor::Ask;
using supervisor::Services;

constexpr const char* kAbout =
    "Services: named processes of a container that a supervisor keeps running under a restart "
    "policy (always, on-failure, never; restarts back off 10s doubling to 5m, reset after 10m "
    "of running). A service's whole process tree runs in a cgroup of its own: stop sends TERM "
    "to all of it, then KILL after the grace period; a stopped service is never restarted "
    "until started. With --control-socket, a unix datagram socket inside the container takes "
    "STOP, START and QUIT, and <PROC>_containerrun.running and <PROC>.pid sit next to it "
    "while the service runs (kubecf's process control). The supervisor (dmc-supervisor, one "
    "per container) outlives dmc; if it is killed, the next dmc service command starts it "
    "again from the depot. Restarts, stops and starts are events (dmc events).";

int usage_of_service() {
  std::cout << "Usage: dmc service COMMAND ...\n\n" << kAbout << "\n\nCommands:\n"
            << "  add HANDLE NAME [OPTIONS] -- PATH [ARGS...]  add a service and start it\n"
            << "  ls HANDLE [--json]                          list a container's services\n"
            << "  stop HANDLE NAME                            stop it (TERM, KILL after the grace)\n"
            << "  start HANDLE NAME                           start it again\n"
            << "  restart HANDLE NAME                         stop it, then start it\n"
            << "  rm HANDLE NAME                              stop and remove it\n\n"
            << "Run 'dmc service COMMAND --help' for a command's options.\n";
  return kExitOk;
}

std::pair<Strings, Strings> split_at_dashes(const Strings& args) {
  auto dashes = std::find(args.begin(), args.end(), "--");
  if (dashes == args.end()) return {args, {}};
  return {Strings(args.begin(), dashes), Strings(dashes + 1, args.end())};
}

Result<std::chrono::milliseconds> duration_option(const cxxopts::ParseResult& p, const char* name,
                                                  std::chrono::milliseconds fallback) {
  auto text = optional_value(p, name);
  if (!text) return fallback;
  return parse_duration(*text);
}

Result<supervisor::ServiceSpec> service_spec(const cxxopts::ParseResult& p, const Strings& command) {
  supervisor::ServiceSpec spec;
  spec.name = p["name"].as<std::string>();
  spec.process.path = command.front();
  spec.process.args.assign(command.begin() + 1, command.end());
  if (p.count("user")) spec.process.user = p["user"].as<std::string>();
  if (p.count("dir")) spec.process.dir = p["dir"].as<std::string>();
  if (p.count("env")) spec.process.env = p["env"].as<Strings>();
  DMC_TRY(policy, supervisor::parse_restart_policy(p["restart"].as<std::string>()));
  spec.restart = policy;
  spec.post_start = optional_value(p, "post-start").value_or("");
  spec.post_start_condition = optional_value(p, "post-start-condition").value_or("");
  spec.control_socket = optional_value(p, "control-socket").value_or("");
  DMC_TRY(grace, duration_option(p, "stop-grace", supervisor::kDefaultStopGrace));
  spec.stop_grace = grace;
  DMC_TRY(backoff, duration_option(p, "backoff", supervisor::kDefaultBackoff));
  spec.backoff = backoff;
  DMC_TRY(max_backoff, duration_option(p, "max-backoff", supervisor::kDefaultMaxBackoff));
  spec.max_backoff = max_backoff;
  using supervisor::ProbeKind;
  for (auto [option, kind, field] : {std::tuple{"liveness", ProbeKind::Liveness, &spec.liveness},
                                     std::tuple{"readiness", ProbeKind::Readiness, &spec.readiness},
                                     std::tuple{"startup", ProbeKind::Startup, &spec.startup}}) {
    auto text = optional_value(p, option);
    if (!text) continue;
    DMC_TRY(probe, supervisor::probe_from_json(*text, fmt::format("--{}", option), kind));
    *field = std::move(probe);
  }
  DMC_CHECK(supervisor::validate(spec));
  return spec;
}

int add(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc service add",
                     "Add a service to a running container and start it; returns once it runs "
                     "(exit 0) or could not start (exit 1, saying why).");
  o.custom_help("HANDLE NAME [OPTIONS] -- PATH [ARGS...]");
  o.add_options()
    ("restart", "restart policy: always, on-failure or never", cxxopts::value<std::string>()->default_value("always"), "POLICY")
    ("post-start", "shell command run in the container after each start", cxxopts::value<std::string>(), "CMD")
    ("post-start-condition", "shell command run every 3s until it exits 0, before --post-start (at most 15m)", cxxopts::value<std::string>(), "CMD")
    ("control-socket", "absolute path of a datagram socket in the container taking STOP, START, QUIT", cxxopts::value<std::string>(), "PATH")
    ("stop-grace", "time between TERM and KILL on stop (default 20s)", cxxopts::value<std::string>(), "DURATION")
    ("backoff", "delay before the first restart, doubled on each failure (default 10s)", cxxopts::value<std::string>(), "DURATION")
    ("max-backoff", "the longest delay between restarts (default 5m)", cxxopts::value<std::string>(), "DURATION")
    ("liveness", "Kubernetes' probe as JSON, e.g. '{\"exec\":{\"command\":[\"cat\",\"/tmp/ok\"]},\"periodSeconds\":5}' (also httpGet, tcpSocket): failing past its threshold restarts the service", cxxopts::value<std::string>(), "PROBE")
    ("readiness", "a probe whose verdict is the service's ready bit", cxxopts::value<std::string>(), "PROBE")
    ("startup", "a probe that gates the other two until it passes once", cxxopts::value<std::string>(), "PROBE")
    ("u,user", "user name or uid[:gid] in the container (default: root)", cxxopts::value<std::string>(), "USER")
    ("w,dir", "working directory (default: the user's home, else /)", cxxopts::value<std::string>(), "DIR")
    ("e,env", "environment variable (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("handle", "", cxxopts::value<std::string>())("name", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle", "name"});
  auto [option_args, command] = split_at_dashes(args);
  cxxopts::ParseResult parsed;
  if (!parse_command(o, option_args, {"handle", "name"}, parsed)) return kExitOk;
  if (command.empty()) throw usage_error(o, "'-- PATH [ARGS...]' is required");
  auto spec = service_spec(parsed, command);
  if (!spec) return fail_usage(spec.error());
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto view = system.services().add(parsed["handle"].as<std::string>(), *spec);
    return view ? kExitOk : fail(view.error().message);
  });
}

int list(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc service ls",
                     "List a container's services: state (waiting, running, stopping, stopped, "
                     "finished, failed), the current process, restarts, the last exit status.");
  o.custom_help("HANDLE [--json]");
  o.add_options()("json", "one JSON array")("handle", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto views = system.services().list(parsed["handle"].as<std::string>());
    if (!views) return fail(views.error().message);
    std::cout << (parsed["json"].as<bool>() ? supervisor::views_json(*views) + "\n"
                                             : services_table(*views, now_ns()));
    return kExitOk;
  });
}

int ask(const GlobalOptions& globals, const Strings& args, Ask ask, const char* about) {
  cxxopts::Options o(fmt::format("dmc service {}", args.front()), about);
  o.custom_help("HANDLE NAME");
  o.add_options()("handle", "", cxxopts::value<std::string>())("name", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle", "name"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle", "name"}, parsed)) return kExitOk;
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto view = system.services().ask(parsed["handle"].as<std::string>(),
                                      parsed["name"].as<std::string>(), ask, "cli");
    return view ? kExitOk : fail(view.error().message);
  });
}

}  // namespace

int service_command(const GlobalOptions& globals, const Strings& args) {
  if (args.size() < 2 || args[1] == "-h" || args[1] == "--help") return usage_of_service();
  const Strings rest(args.begin() + 1, args.end());
  const std::string& sub = rest.front();
  if (sub == "add") return add(globals, rest);
  if (sub == "ls" || sub == "list") return list(globals, rest);
  if (sub == "stop") {
    return ask(globals, rest, Ask::Stop,
               "Stop a service: TERM to its whole process tree, KILL after its grace period; "
               "it stays stopped (its policy does not restart it) until started. Returns once "
               "nothing of it runs.");
  }
  if (sub == "start") {
    return ask(globals, rest, Ask::Start,
               "Start a stopped, finished or failed service (a running one is left as it is); "
               "it starts once what is left of its previous run has ended.");
  }
  if (sub == "restart") {
    return ask(globals, rest, Ask::Restart,
               "Restart a service: stop it (TERM, KILL after the grace), then start it at once.");
  }
  if (sub == "rm") {
    return ask(globals, rest, Ask::Remove,
               "Stop a service and remove it, its cgroup, control socket and sentinel files.");
  }
  return fail(fmt::format("unknown service command '{}' (see 'dmc service --help')", sub),
              kExitUsage);
}

}  // namespace dmc::cli
