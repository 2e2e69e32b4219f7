// dmc pause / resume / stats.
#include <signal.h>

#include <ctime>
#include <iostream>
#include <map>

#include "cmd/cli_args.hpp"
#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "cmd/stats_format.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;
using containerizer::Containerizer;

// "HANDLE": pause or resume one container.
int change_one(const GlobalOptions& globals, const Strings& args, const char* name,
               const char* about, Result<void> (Containerizer::*change)(const std::string&)) {
  cxxopts::Options o(name, about);
  o.custom_help("HANDLE");
  o.add_options()("handle", "", cxxopts::value<std::string>())("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  return with_containerizer(globals, kExitFailed, [&](Containerizer& c) {
    return exit_code((c.*change)(parsed["handle"].as<std::string>()));
  });
}

// SIGINT and SIGTERM are blocked while it lives, and taken by wait() only:
// stats ends between two samples, printing nothing half.
class StopSignals {
 public:
  StopSignals() {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    ::sigprocmask(SIG_BLOCK, &set_, &old_);
  }
  ~StopSignals() { ::sigprocmask(SIG_SETMASK, &old_, nullptr); }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Sleeps for `interval`; true when a stop signal came meanwhile.
  bool wait(std::chrono::milliseconds interval) const {
    const auto s = std::chrono::duration_cast<std::chrono::seconds>(interval);
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(interval - s);
    timespec left{.tv_sec = s.count(), .tv_nsec = ns.count()};
    int got = ::sigtimedwait(&set_, nullptr, &left);
    return got == SIGINT || got == SIGTERM;
  }

 private:
  sigset_t set_{};
  sigset_t old_{};
};

struct StatsRequest {
  Strings handles;
  std::chrono::milliseconds interval;
  bool stream = true;
  bool json = false;
};

// One sample of every container still there; one that cannot be read (it
// went away) is reported once and dropped. False when one was dropped.
bool sample(const Containerizer& c, const StatsRequest& request, Strings& live,
            std::map<std::string, containerizer::Metrics>& before) {
  bool all = true;
  std::string out = request.json ? "" : stats_header();
  std::erase_if(live, [&](const std::string& handle) {
    auto metrics = c.metrics(handle);
    if (!metrics) {
      fail(metrics.error().message);
      all = false;
      return true;
    }
    auto it = before.find(handle);
    StatsSample s{handle, *metrics, cpu_percent(*metrics, it == before.end() ? nullptr : &it->second)};
    out += request.json ? stats_json(s) : stats_line(s);
    before[handle] = *metrics;
    return false;
  });
  std::cout << out << std::flush;
  return all;
}

int stream_stats(const Containerizer& c, const StatsRequest& request) {
  StopSignals signals;
  Strings live = request.handles;
  std::map<std::string, containerizer::Metrics> before;
  bool all = true;
  for (;;) {
    all = sample(c, request, live, before) && all;
    if (!request.stream || live.empty() || signals.wait(request.interval)) break;
  }
  return all ? kExitOk : kExitFailed;
}

}  // namespace

int pause_container(const GlobalOptions& globals, const Strings& args) {
  return change_one(globals, args, "dmc pause",
                    "Freeze every process of a container (the runtime's pause). Pausing a "
                    "paused container is not an error; pausing a stopped one is. While it is "
                    "paused, run is refused, attach and signal work, stop and destroy thaw it.",
                    &Containerizer::pause);
}

int resume_container(const GlobalOptions& globals, const Strings& args) {
  return change_one(globals, args, "dmc resume",
                    "Thaw a paused container. Resuming a running container is not an error; "
                    "resuming a stopped one is.",
                    &Containerizer::resume);
}

int stats_command(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc stats",
                     "Show the cpu %, memory and pids of containers, one line per container "
                     "every interval, until interrupted (SIGINT or SIGTERM: exit 0). CPU % is "
                     "of one cpu, between two samples; the first sample's (and --no-stream's) "
                     "is over the container's life, as podman's. A container that goes away "
                     "is reported once, the others go on, and the exit code is 1.");
  o.custom_help("HANDLE... [--interval 1s] [--no-stream] [--json]");
  o.add_options()
    ("interval", "time between samples", cxxopts::value<std::string>()->default_value("1s"), "DURATION")
    ("no-stream", "print one sample and exit")
    ("json", "one JSON object per container per sample, with exact numbers (bytes, ns)")
    ("handle", "", cxxopts::value<Strings>())("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {"handle"}, parsed)) return kExitOk;
  auto interval = parse_duration(parsed["interval"].as<std::string>());
  if (!interval) return fail_usage(interval.error());
  if (interval->count() <= 0) {
    return fail_usage(make_error(ErrorKind::Invalid, "invalid interval '{}': must be above 0",
                                 parsed["interval"].as<std::string>()));
  }
  StatsRequest request{.handles = parsed["handle"].as<Strings>(),
                       .interval = *interval,
                       .stream = !parsed["no-stream"].as<bool>(),
                       .json = parsed["json"].as<bool>()};
  return with_containerizer(globals, kExitFailed,
                            [&](Containerizer& c) { return stream_stats(c, request); });
}

}  // namespace dmc::cli
