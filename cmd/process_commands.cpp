// dmc run / attach / signal / ps / stop.
#include <unistd.h>

#include <iostream>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "cmd/attach_session.hpp"
#include "cmd/cli_args.hpp"
#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "cmd/terminal.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;

// run's options that take a value; everything from the first word after
// the handle (or after "--") is the command, options and all.
bool takes_value(std::string_view arg) {
  for (std::string_view o : {"--id", "--user", "-u", "--dir", "-w", "--env", "-e", "--rlimit",
                             "--spool-cap", "--group"}) {
    if (arg == o) return true;
  }
  return false;
}

std::pair<Strings, Strings> split_command(const Strings& args) {
  Strings options, command;
  bool have_handle = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--" || (have_handle && i > 0 && !a.starts_with("-"))) {
      command.assign(args.begin() + static_cast<long>(i) + (a == "--"), args.end());
      break;
    }
    options.push_back(a);
    if (i > 0 && !a.starts_with("-")) have_handle = true;
    if (takes_value(a) && i + 1 < args.size()) options.push_back(args[++i]);
  }
  return {options, command};
}

Result<containerizer::ProcessSpec> process_spec(const cxxopts::ParseResult& p,
                                                const Strings& command) {
  containerizer::ProcessSpec spec;
  spec.path = command.front();
  spec.args.assign(command.begin() + 1, command.end());
  if (p.count("id")) spec.id = p["id"].as<std::string>();
  if (p.count("user")) spec.user = p["user"].as<std::string>();
  if (p.count("dir")) spec.dir = p["dir"].as<std::string>();
  if (p.count("group")) {  // given empty, it is refused, not taken for none
    spec.group = p["group"].as<std::string>();
    DMC_CHECK(containerizer::check_group(spec.group));
  }
  if (p.count("env")) spec.env = p["env"].as<Strings>();
  spec.tty = p["tty"].as<bool>();
  if (spec.tty) spec.window = terminal_size(STDIN_FILENO).value_or(oci::ConsoleSize{});
  if (p.count("rlimit")) {
    for (const auto& text : p["rlimit"].as<Strings>()) {
      DMC_TRY(rlimit, parse_rlimit(text));
      spec.rlimits.push_back(rlimit);
    }
  }
  if (p.count("spool-cap")) {
    DMC_TRY(cap, parse_size(p["spool-cap"].as<std::string>()));
    spec.spool_cap = cap;
  }
  return containerizer::checked_process(std::move(spec));
}

int attach_here(containerizer::Containerizer& c, const std::string& handle,
                const std::string& id, bool with_stdin, bool tty) {
  std::optional<RawMode> raw;
  if (tty) raw.emplace(STDIN_FILENO);
  auto status = attach_session(c, handle, id, {.with_stdin = with_stdin, .tty = tty});
  raw.reset();
  if (!status) return fail(status.error().message, process_error_code(status.error()));
  return *status;
}

cxxopts::Options run_options() {
  cxxopts::Options o("dmc run",
                     "Run a process in a container. Attached (the default), stdin is forwarded, "
                     "stdout and stderr are kept apart, signals are forwarded, and dmc exits "
                     "with the process's status (128+N if killed by signal N). The process "
                     "keeps running if dmc is killed: 'dmc attach' gets the rest. Errors of dmc "
                     "itself exit 125, a program that does not exist 127, one that cannot run 126, "
                     "a wrong command line 2. A finished process stays listed by 'dmc ps' until "
                     "its output and exit status were delivered; of those, the newest 100 per "
                     "container are kept.");
  o.custom_help("HANDLE [OPTIONS] [--] PATH [ARGS...]");
  o.add_options()
    ("id", "the process id (default: a new UUID)", cxxopts::value<std::string>(), "ID")
    ("u,user", "user name or uid[:gid] in the container (default: root)", cxxopts::value<std::string>(), "USER")
    ("w,dir", "working directory, created if missing (default: the user's home, else /)", cxxopts::value<std::string>(), "DIR")
    ("e,env", "environment variable (repeatable)", cxxopts::value<Strings>(), "K=V")
    ("t,tty", "run on a pseudo-terminal of the caller's terminal size")
    ("d,detach", "start the process, print its id and return")
    ("rlimit", "resource limit, e.g. nofile=1024 or nofile=1024:4096 (repeatable)", cxxopts::value<Strings>(), "R=N")
    ("spool-cap", "output kept for nobody, per stream, before the process is held back (default 64M)", cxxopts::value<std::string>(), "SIZE")
    ("group", "run in the container's sub-cgroup NAME, made if missing; everything the process forks stays in it", cxxopts::value<std::string>(), "NAME")
    ("handle", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle"});
  return o;
}

}  // namespace

int run_process(const GlobalOptions& globals, const Strings& args) {
  auto o = run_options();
  auto [option_args, command] = split_command(args);
  cxxopts::ParseResult parsed;
  if (!parse_command(o, option_args, {"handle"}, parsed)) return kExitOk;
  if (command.empty()) throw usage_error(o, "PATH is required");
  auto spec = process_spec(parsed, command);
  if (!spec) return fail_usage(spec.error());
  return with_containerizer(globals, kExitDmcError, [&](containerizer::Containerizer& c) {
    const auto handle = parsed["handle"].as<std::string>();
    auto id = c.run(handle, *spec);
    if (!id) return fail(id.error().message, process_error_code(id.error()));
    if (parsed["detach"].as<bool>()) {
      std::cout << *id << std::endl;
      return kExitOk;
    }
    return attach_here(c, handle, *id, true, spec->tty);
  });
}

int attach_process(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc attach",
                     "Reattach to a process: the output no client has received yet, then live "
                     "output, then its exit status as dmc's exit code. Works for processes that "
                     "already exited. stdin is forwarded; its EOF closes the process's stdin.");
  o.custom_help("HANDLE ID");
  o.add_options()
    ("no-stdin", "do not forward stdin")
    ("t,tty", "the process runs on a terminal: put ours in raw mode and forward its size")
    ("handle", "", cxxopts::value<std::string>())("id", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle", "id"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle", "id"}, parsed)) return kExitOk;
  return with_containerizer(globals, kExitDmcError, [&](containerizer::Containerizer& c) {
    return attach_here(c, parsed["handle"].as<std::string>(), parsed["id"].as<std::string>(),
                       !parsed["no-stdin"].as<bool>(), parsed["tty"].as<bool>());
  });
}

int signal_process(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc signal", "Send a signal to a process in a container.");
  o.custom_help("HANDLE ID [--signal SIG]");
  o.add_options()
    ("s,signal", "signal name or number", cxxopts::value<std::string>()->default_value("TERM"), "SIG")
    ("handle", "", cxxopts::value<std::string>())("id", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle", "id"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle", "id"}, parsed)) return kExitOk;
  auto sig = parse_signal(parsed["signal"].as<std::string>());
  if (!sig) return fail_usage(sig.error());
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    return exit_code(
        c.signal(parsed["handle"].as<std::string>(), parsed["id"].as<std::string>(), *sig));
  });
}

int stop_container(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc stop",
                     "Stop every process in a container but its init: SIGTERM, then SIGKILL "
                     "after the grace period. The container stays, marked stopped.");
  o.custom_help("HANDLE [--kill] [--grace 10s]");
  o.add_options()
    ("kill", "SIGKILL at once")
    ("grace", "time between SIGTERM and SIGKILL", cxxopts::value<std::string>()->default_value("10s"), "DURATION")
    ("handle", "", cxxopts::value<std::string>())
    ("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  auto grace = parse_duration(parsed["grace"].as<std::string>());
  if (!grace) return fail_usage(grace.error());
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    return exit_code(c.stop(parsed["handle"].as<std::string>(),
                            {.kill = parsed["kill"].as<bool>(), .grace = *grace}));
  });
}

}  // namespace dmc::cli
