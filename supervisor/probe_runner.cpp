#include "supervisor/probe_runner.hpp"

#include "supervisor/net_probe.hpp"

namespace dmc::supervisor {
namespace {

std::string first_line(const std::string& output) {
  return output.substr(0, output.find('\n'));
}

ProbeOutcome probe_exec(const ExecAction& exec, ProbeTarget& target,
                        std::chrono::seconds timeout) {
  auto result = target.exec(exec.command, timeout);
  if (!result) return {false, fmt::format("exec probe: {}", result.error().message)};
  if (!result->exit_code) {
    return {false, fmt::format("command timed out after {}s", timeout.count())};
  }
  if (*result->exit_code == 0) return {true, ""};
  std::string line = first_line(result->output);
  if (line.empty()) return {false, fmt::format("command failed: exit code {}", *result->exit_code)};
  return {false, fmt::format("command failed: exit code {}: {}", *result->exit_code, line)};
}

}  // namespace

ProbeOutcome run_probe(const Probe& probe, ProbeTarget& target) {
  const std::chrono::seconds timeout(probe.timeout_seconds);
  const Deadline deadline = std::chrono::steady_clock::now() + timeout;
  struct Visitor {
    ProbeTarget& target;
    std::chrono::seconds timeout;
    Deadline deadline;
    ProbeOutcome operator()(const ExecAction& a) const { return probe_exec(a, target, timeout); }
    ProbeOutcome operator()(const HttpGetAction& a) const { return probe_http(a, target, deadline); }
    ProbeOutcome operator()(const TcpSocketAction& a) const {
      return probe_tcp(a, target, deadline);
    }
  };
  return std::visit(Visitor{target, timeout, deadline}, probe.action);
}

}  // namespace dmc::supervisor
