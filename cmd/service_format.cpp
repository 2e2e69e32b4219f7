#include "cmd/service_format.hpp"

#include <fmt/format.h>

namespace dmc::cli {
namespace {

std::string age(int64_t since_ns, int64_t now_ns) {
  if (since_ns == 0) return "-";
  int64_t s = std::max<int64_t>(0, (now_ns - since_ns) / 1'000'000'000);
  if (s < 120) return fmt::format("{}s", s);
  if (s < 7200) return fmt::format("{}m", s / 60);
  return fmt::format("{}h", s / 3600);
}

std::string state_of(const supervisor::ServiceView& v) {
  std::string state(to_string(v.status.phase));
  bool probed = v.spec.readiness || v.spec.startup;
  if (probed && v.status.phase == supervisor::Phase::Running && !v.status.ready) state += " (not ready)";
  if (!v.supervised) state += " (unsupervised)";
  return state;
}

std::string command_of(const supervisor::ServiceView& v) {
  std::string out = v.spec.process.path;
  for (const auto& arg : v.spec.process.args) out += " " + arg;
  return out;
}

}  // namespace

std::string services_table(const std::vector<supervisor::ServiceView>& views, int64_t now_ns) {
  constexpr const char* kRow = "{:<16} {:<10} {:<20} {:>8} {:>5} {:>6}  {}\n";
  std::string out = fmt::format(kRow, "NAME", "STATE", "PROCESS", "RESTARTS", "EXIT", "SINCE",
                                "COMMAND");
  for (const auto& v : views) {
    const auto& s = v.status;
    bool running = s.phase == supervisor::Phase::Running;
    out += fmt::format(kRow, v.spec.name, state_of(v), s.process_id.empty() ? "-" : s.process_id,
                       s.restarts, s.exit_status ? std::to_string(*s.exit_status) : "-",
                       age(running ? s.started_ns : s.finished_ns, now_ns), command_of(v));
  }
  return out;
}

}  // namespace dmc::cli
