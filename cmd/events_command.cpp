// dmc events: replay the recorded events of containers, live and
// destroyed, then, with --follow, print new ones as they happen.
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <iostream>
#include <set>

#include "cmd/cli_args.hpp"
#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "common/clock.hpp"

namespace dmc::cli {
namespace {

using Strings = std::vector<std::string>;

constexpr const char* kDescription =
    "Print containers' events (all containers, or those given), oldest first: create, "
    "start-process, exit (of a process, or of the init: process=init), oom, pause, resume, "
    "stop, update, destroy. Then, with --follow, new events as they happen, until "
    "interrupted. TIME is an RFC 3339 time (2026-12-07T18:00:00Z, with or without a "
    "fraction or an offset) or a duration before now (10m, 1h30m, 90s). Bounds: a "
    "container's journal keeps its last 1 to 2 MiB of events (it rotates at 1 MiB); the "
    "events of destroyed containers stay for 24 hours, of the newest 1000 of them.";

Result<containerizer::EventFilter> filter_of(const cxxopts::ParseResult& p) {
  containerizer::EventFilter filter;
  if (p.count("handle")) {
    for (const auto& h : p["handle"].as<Strings>()) filter.handles.insert(h);
  }
  const int64_t now = now_ns();
  if (auto since = optional_value(p, "since")) {
    DMC_TRY(at, containerizer::parse_time(*since, now));
    filter.since_ns = at;
  }
  if (auto until = optional_value(p, "until")) {
    DMC_TRY(at, containerizer::parse_time(*until, now));
    filter.until_ns = at;
  }
  return filter;
}

void print(const std::vector<containerizer::Event>& events, bool json) {
  for (const auto& e : events) std::cout << (json ? e.line + "\n" : containerizer::human_line(e));
  std::cout.flush();
}

// SIGINT and SIGTERM, blocked and read from an fd: `dmc events --follow`
// ends with exit 0 when interrupted. (dmc's own main path: dmcd never
// comes here.)
Result<UniqueFd> interruption_fd() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) return sys_error("sigprocmask");
  UniqueFd fd(::signalfd(-1, &set, SFD_CLOEXEC));
  if (!fd) return sys_error("signalfd");
  return fd;
}

}  // namespace

int show_events(const GlobalOptions& globals, const Strings& args) {
  cxxopts::Options o("dmc events", kDescription);
  o.custom_help("[HANDLE...] [OPTIONS]");
  o.add_options()
    ("handle", "", cxxopts::value<Strings>())
    ("since", "only events at or after TIME", cxxopts::value<std::string>(), "TIME")
    ("until", "only events at or before TIME (with --follow: stop then)",
     cxxopts::value<std::string>(), "TIME")
    ("follow", "after the recorded events, print new ones until SIGINT or SIGTERM")
    ("json", "print each event as the JSON line it is recorded as")
    ("h,help", "show this help");
  o.parse_positional({"handle"});
  cxxopts::ParseResult parsed;
  if (!parse_command(o, args, {}, parsed)) return kExitOk;
  auto filter = filter_of(parsed);
  if (!filter) return fail_usage(filter.error());
  const bool json = parsed["json"].as<bool>();
  const bool following = parsed["follow"].as<bool>();
  UniqueFd interrupted;
  if (following) {
    auto fd = interruption_fd();
    if (!fd) return fail(fd.error().message);
    interrupted = std::move(*fd);
  }
  return with_containerizer(globals, kExitFailed, [&](containerizer::Containerizer& c) {
    auto streamed = c.stream_events(*filter, following, {interrupted.get(), POLLIN, 0},
                                    [json](const std::vector<containerizer::Event>& events) {
                                      print(events, json);
                                      return true;
                                    });
    return streamed ? kExitOk : fail(streamed.error().message);
  });
}

}  // namespace dmc::cli
