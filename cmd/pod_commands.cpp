// dmc pod up / status / healthy / down / ls: pods of containers from
// pod-controller's spec.
#include <filesystem>
#include <iostream>

#include <fmt/format.h>

#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "cmd/system.hpp"
#include "common/clock.hpp"
#include "common/fs.hpp"
#include "supervisor/pods.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;
using supervisor::PodPhase;
using supervisor::PodView;

constexpr const char* kAbout =
    "Pods: pod-controller's spec ({\"initContainers\": [...], \"containers\": [...]}, each an "
    "OCI runtime spec whose process runs and whose root.path is the rootfs, with optional "
    "livenessProbe, readinessProbe and startupProbe). Each pod container is a dmc container "
    "named POD-NAME with the property pod=POD. Init containers run one after another, each "
    "to completion; a failing one fails the pod and no main container starts. Each main "
    "container then runs its process as a service named 'main' (restart policy always, "
    "Kubernetes' backoff; see 'dmc service --help'), its probes run inside it. A pod "
    "supervisor (dmc-supervisor --pod) brings the pod up and outlives dmc; if it is killed, "
    "the next 'dmc pod status' starts it again from the depot. Pod steps are events of type "
    "'pod' (dmc events).";

int usage_of_pod() {
  std::cout << "Usage: dmc pod COMMAND ...\n\n" << kAbout << "\n\nCommands:\n"
            << "  up SPEC.json [--name POD]   bring a pod up; exit 0 once it runs, 1 if it failed\n"
            << "  status POD [--json]         each container's state, restarts and probe errors\n"
            << "  healthy POD                 exit 0 when the pod is healthy, 1 when not\n"
            << "  down POD                    destroy the pod's containers and forget it\n"
            << "  ls                          list pods\n\n"
            << "Run 'dmc pod COMMAND --help' for a command's options.\n";
  return kExitOk;
}

std::string time_or_dash(int64_t ns) { return ns == 0 ? "-" : rfc3339(ns); }

void print_table(const PodView& view) {
  std::cout << fmt::format("pod {}: {}{}{}\n", view.name, to_string(view.phase),
                           view.healthy ? ", healthy" : ", not healthy",
                           view.error.empty() ? "" : " (" + view.error + ")");
  std::cout << fmt::format("{:<20} {:<8} {:<9} {:<8} {:<5} {:<30} {}\n", "CONTAINER", "KIND",
                           "STATE", "RESTARTS", "EXIT", "STARTED", "PROBE ERRORS");
  for (const auto& c : view.containers) {
    std::string probes = c.liveness_error + (c.readiness_error.empty() ? "" : " " + c.readiness_error) +
                         (c.startup_error.empty() ? "" : " " + c.startup_error);
    std::cout << fmt::format("{:<20} {:<8} {:<9} {:<8} {:<5} {:<30} {}\n", c.name,
                             c.init ? "init" : "main", c.state, c.restarts,
                             c.exit_status ? std::to_string(*c.exit_status) : "-",
                             time_or_dash(c.started_ns), probes.empty() ? "-" : probes);
  }
}

std::string pod_arg(const cxxopts::ParseResult& parsed) { return parsed["pod"].as<std::string>(); }

cxxopts::Options pod_options(const char* name, const char* about) {
  cxxopts::Options o(name, about);
  o.custom_help("POD");
  o.add_options()("pod", "", cxxopts::value<std::string>())("h,help", "show this help");
  o.parse_positional({"pod"});
  return o;
}

int up(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc pod up",
                     "Bring a pod up from pod-controller's JSON spec: its init containers one "
                     "after another, then its main containers. Returns once the pod runs (exit "
                     "0) or failed (exit 1, saying why).");
  o.custom_help("SPEC.json [--name POD]");
  o.add_options()("name", "the pod's name (default: the spec file's name without .json)",
                  cxxopts::value<std::string>(), "POD")
    ("spec", "", cxxopts::value<std::string>())("h,help", "show this help");
  o.parse_positional({"spec"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"spec"}, parsed)) return kExitOk;
  const auto path = parsed["spec"].as<std::string>();
  auto text = read_file(path);
  if (!text) return fail(fmt::format("pod spec {}: {}", path, text.error().message));
  auto name = optional_value(parsed, "name").value_or(std::filesystem::path(path).stem().string());
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto view = system.pods().up(*text, name);
    if (!view) return fail(view.error().message);
    if (view->phase != PodPhase::Running) return fail(fmt::format("pod '{}' failed: {}", name, view->error));
    return kExitOk;
  });
}

int status(const GlobalOptions& globals, const Strings& args) {
  auto o = pod_options("dmc pod status",
                       "Show a pod: its phase (initializing, running, failed), healthy bit and "
                       "error, and each container's state (waiting, running, ready, failing, "
                       "finished, failed), restarts, exit status, times and latest probe errors.");
  o.custom_help("POD [--json]");
  o.add_options()("json", "one JSON object");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"pod"}, parsed)) return kExitOk;
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto view = system.pods().status(pod_arg(parsed));
    if (!view) return fail(view.error().message);
    if (parsed["json"].as<bool>()) {
      std::cout << supervisor::pod_view_json(*view) << "\n";
    } else {
      print_table(*view);
    }
    return kExitOk;
  });
}

int healthy(const GlobalOptions& globals, const Strings& args) {
  auto o = pod_options("dmc pod healthy",
                       "Exit 0 when the pod is healthy (it runs and every container is ready, "
                       "or finished with 0), 1 when not (saying why), e.g. after an init "
                       "container failed.");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"pod"}, parsed)) return kExitOk;
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto view = system.pods().status(pod_arg(parsed));
    if (!view) return fail(view.error().message);
    if (view->healthy) return kExitOk;
    for (const auto& c : view->containers) {
      if (!c.healthy) return fail(fmt::format("pod '{}' is not healthy: container '{}' is {}", view->name, c.name, c.state));
    }
    return fail(fmt::format("pod '{}' is not healthy: it is {}", view->name, to_string(view->phase)));
  });
}

int down(const GlobalOptions& globals, const Strings& args) {
  auto o = pod_options("dmc pod down",
                       "Destroy a pod's containers (their processes, cgroups, mounts) and its "
                       "state, ending its pod supervisor if one runs.");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"pod"}, parsed)) return kExitOk;
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    return exit_code(system.pods().down(pod_arg(parsed)));
  });
}

int list(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc pod ls", "List pods, one name a line.");
  o.add_options()("h,help", "show this help");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {}, parsed)) return kExitOk;
  return with_system(globals, kExitFailed, [&](wiring::System& system) {
    auto names = system.pods().list();
    if (!names) return fail(names.error().message);
    for (const auto& name : *names) std::cout << name << "\n";
    return kExitOk;
  });
}

}  // namespace

int pod_command(const GlobalOptions& globals, const Strings& args) {
  if (args.size() < 2 || args[1] == "-h" || args[1] == "--help") return usage_of_pod();
  const Strings rest(args.begin() + 1, args.end());
  const std::string& sub = rest.front();
  if (sub == "up") return up(globals, rest);
  if (sub == "status") return status(globals, rest);
  if (sub == "healthy") return healthy(globals, rest);
  if (sub == "down") return down(globals, rest);
  if (sub == "ls" || sub == "list") return list(globals, rest);
  return fail(fmt::format("unknown pod command '{}' (see 'dmc pod --help')", sub), kExitUsage);
}

}  // namespace dmc::cli
