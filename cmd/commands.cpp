#include "cmd/commands.hpp"

#include <unistd.h>

#include <iostream>

#include "cmd/cli_args.hpp"
#include "cmd/cli_output.hpp"
#include "cmd/options.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;

Result<containerizer::CreateRequest> create_request(const cxxopts::ParseResult& p) {
  containerizer::CreateRequest request;
  if (p.count("handle")) request.handle = p["handle"].as<std::string>();
  if (p.count("rootfs")) request.image = p["rootfs"].as<std::string>();
  if (p.count("env")) request.env = p["env"].as<Strings>();
  if (p.count("bind-mount")) {
    for (const auto& text : p["bind-mount"].as<Strings>()) {
      DMC_TRY(mount, parse_bind_mount(text));
      request.bind_mounts.push_back(std::move(mount));
    }
  }
  DMC_TRY(limits, parse_limits({optional_value(p, "memory"), optional_value(p, "cpu-shares"),
                                optional_value(p, "pids")}));
  request.limits = limits;
  request.privileged = p["privileged"].as<bool>();
  if (p.count("property")) {
    DMC_TRY(props, parse_properties(p["property"].as<Strings>()));
    request.properties = std::move(props);
  }
  return request;
}

int create(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc create", "Create a container, start its init, print its handle.");
  o.add_options()
    ("handle", "the container's handle (default: a new UUID)", cxxopts::value<std::string>(), "H")
    ("rootfs", "root filesystem directory, used read-only below a copy-on-write "
               "layer (default: the built-in busybox rootfs)", cxxopts::value<std::string>(), "DIR")
    ("env", "environment variable for every process (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("bind-mount", "bind mount a host path (repeatable)", cxxopts::value<Strings>(), "SRC:DST[:ro]")
    ("memory", "memory limit, e.g. 256M (swap is limited to the same)", cxxopts::value<std::string>(), "SIZE")
    ("cpu-shares", "relative cpu weight (2-262144)", cxxopts::value<std::string>(), "N")
    ("pids", "maximum number of processes", cxxopts::value<std::string>(), "N")
    ("privileged", "all capabilities, no masked paths, all devices")
    ("property", "a property to tag the container with (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("h,help", "show this help");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {}, parsed)) return kExitOk;
  auto request = create_request(parsed);
  if (!request) return fail_usage(request.error());
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    auto handle = c.create(*request);
    if (!handle) return fail(handle.error().message);
    std::cout << *handle << "\n";
    return kExitOk;
  });
}

Result<std::vector<containerizer::ContainerInfo>> infos(containerizer::Containerizer& c,
                                                        const Strings& handles) {
  std::vector<containerizer::ContainerInfo> out;
  for (const auto& handle : handles) {
    auto info = c.info(handle);
    if (!info && info.error().kind == ErrorKind::ContainerNotFound) continue;  // destroyed meanwhile
    if (!info) return info.error();
    out.push_back(std::move(*info));
  }
  return out;
}

int list(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc list",
                     "List containers, one handle a line. A container that needs attention has "
                     "its state after a tab: 'creating' (a create is making it), 'incomplete' (a "
                     "create was killed half way) or 'dead' (its init is gone); destroy works on "
                     "each.");
  o.add_options()
    ("json", "print an array of container infos as JSON")
    ("property", "only containers with this property (repeatable; all must match)",
     cxxopts::value<Strings>(), "K=V")
    ("h,help", "show this help");
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {}, parsed)) return kExitOk;
  auto filter =
      parse_properties(parsed.count("property") ? parsed["property"].as<Strings>() : Strings{});
  if (!filter) return fail_usage(filter.error());
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    auto handles = c.handles(*filter);
    if (!handles) return fail(handles.error().message);
    auto all = infos(c, *handles);
    if (!all) return fail(all.error().message);
    if (parsed["json"].as<bool>()) {
      std::cout << list_json(*all);
      return kExitOk;
    }
    for (const auto& info : *all) std::cout << list_line(info);
    return kExitOk;
  });
}

int info(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc info",
                     "Print a container as JSON: state, init pid, paths, limits, properties "
                     "and events (\"out of memory\" once the kernel OOM-killed in it, \"process ID "
                     "lost\" for a process whose shim died before it ended). The state is "
                     "read from the machine: running, stopped, creating, incomplete or dead.");
  o.custom_help("HANDLE");
  o.add_options()("handle", "", cxxopts::value<std::string>())("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    auto info = c.info(parsed["handle"].as<std::string>());
    if (!info) return fail(info.error().message);
    std::cout << info_json(*info);
    return kExitOk;
  });
}

int destroy(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc destroy",
                     "Destroy containers: kill their processes, delete them from the runtime, "
                     "unmount, remove their cgroups and depot dirs. Prints each handle destroyed.");
  o.custom_help("HANDLE...");
  o.add_options()("handle", "", cxxopts::value<Strings>())("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    int status = kExitOk;
    for (const auto& handle : parsed["handle"].as<Strings>()) {
      if (auto destroyed = c.destroy(handle); !destroyed) {
        status = fail(destroyed.error().message);
        continue;
      }
      std::cout << handle << "\n";
    }
    return status;
  });
}

}  // namespace

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"create", "create a container and start its init", create},
      {"list", "list containers", list},
      {"info", "show a container as JSON", info},
      {"destroy", "destroy containers and everything they hold", destroy},
      {"run", "run a process in a container", run_process},
      {"attach", "reattach to a process: its output and exit status", attach_process},
      {"signal", "send a signal to a process", signal_process},
      {"ps", "list a container's processes", list_processes},
      {"stop", "stop every process in a container, keeping the container", stop_container},
      {"pause", "freeze every process in a container", pause_container},
      {"resume", "thaw a paused container", resume_container},
      {"stream-in", "extract a tar stream from stdin into a container", stream_in},
      {"stream-out", "write a tar stream of a path in a container to stdout", stream_out},
      {"limit", "change or show a container's memory, cpu and pids limits", limit_container},
      {"metrics", "show a container's memory, cpu and pids use", show_metrics},
      {"stats", "show containers' cpu %, memory and pids, every interval", stats_command},
      {"property", "list, get, set or remove a container's properties", property_command},
      {"events", "replay containers' events, and follow new ones", show_events},
      {"service", "supervised processes: add, ls, stop, start, restart, rm", service_command},
      {"pod", "pods of containers from pod-controller's spec: up, status, healthy, down, ls", pod_command},
  };
  return all;
}

}  // namespace dmc::cli
