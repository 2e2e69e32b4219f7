#include "garden/server_metrics.hpp"

namespace dmc::garden {
namespace {

using prometheus::Family;
using prometheus::Labels;
using prometheus::Type;

constexpr containerizer::State kStates[] = {
    containerizer::State::Creating, containerizer::State::Incomplete,
    containerizer::State::Running,  containerizer::State::Stopped,
    containerizer::State::Paused,   containerizer::State::Dead,
};
// Every state, so that a new one cannot be left out of dmc_containers.
static_assert(std::size(kStates) == static_cast<size_t>(containerizer::State::Dead) + 1);

Family state_family(const std::vector<ContainerReading>& readings) {
  Family family{"dmc_containers", "Containers in the depot, by state.", Type::Gauge, {}};
  for (auto state : kStates) {
    double n = 0;
    for (const auto& r : readings) n += r.state == state ? 1 : 0;
    family.samples.push_back({"", {{"state", std::string(to_string(state))}}, n});
  }
  return family;
}

// The per-container families, in the order they are rendered.
enum Column { kCpu, kMemoryUsage, kMemoryLimit, kPids, kOomKills, kRunning, kColumns };

std::vector<Family> per_container_families() {
  return {
      {"dmc_container_cpu_seconds_total", "CPU time used by the container's cgroup, in seconds.",
       Type::Counter, {}},
      {"dmc_container_memory_usage_bytes", "Memory used by the container's cgroup, in bytes.",
       Type::Gauge, {}},
      {"dmc_container_memory_limit_bytes",
       "Memory limit of the container's cgroup, in bytes; no sample when it has no limit.",
       Type::Gauge, {}},
      {"dmc_container_pids", "Processes and threads in the container's cgroup.", Type::Gauge, {}},
      {"dmc_container_oom_kills_total",
       "Processes of the container the kernel killed for lack of memory.", Type::Counter, {}},
      {"dmc_container_processes_running",
       "Processes started in the container (not its init) that are running.", Type::Gauge, {}},
  };
}

void add_samples(std::vector<Family>& families, const ContainerReading& r) {
  Labels labels{{"handle", r.handle}};
  auto add = [&](Column column, double value) {
    families[column].samples.push_back({"", labels, value});
  };
  if (r.metrics) {
    add(kCpu, static_cast<double>(r.metrics->cpu.usage_ns) / 1e9);
    add(kMemoryUsage, static_cast<double>(r.metrics->memory.usage));
    if (r.metrics->memory.limit != 0) {
      add(kMemoryLimit, static_cast<double>(r.metrics->memory.limit));
    }
    add(kPids, static_cast<double>(r.metrics->pids.current));
  }
  if (r.oom_kills) add(kOomKills, static_cast<double>(*r.oom_kills));
  if (r.processes_running) add(kRunning, static_cast<double>(*r.processes_running));
}

}  // namespace

const std::vector<double>& request_duration_bounds() {
  static const std::vector<double> bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                             0.25,  0.5,    1,     2.5,  5,     10};
  return bounds;
}

void ServerMetrics::count_request(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  auto it = durations_.find(route);
  if (it == durations_.end()) {
    it = durations_.emplace(std::string(route), prometheus::Histogram(request_duration_bounds()))
             .first;
  }
  it->second.observe(seconds);
}

void ServerMetrics::set_events_recorded(uint64_t total) {
  std::lock_guard lock(mutex_);
  events_recorded_ = total;
}

std::vector<Family> ServerMetrics::families() const {
  std::lock_guard lock(mutex_);
  Family requests{"dmcd_requests_total", "Requests answered by dmcd, by route and HTTP status.",
                  Type::Counter, {}};
  for (const auto& [key, n] : requests_) {
    requests.samples.push_back(
        {"", {{"route", key.first}, {"code", std::to_string(key.second)}}, static_cast<double>(n)});
  }
  Family durations{"dmcd_request_duration_seconds",
                   "Seconds from a request's headers to its answer, by route.", Type::Histogram,
                   {}};
  for (const auto& [route, histogram] : durations_) {
    histogram.append_samples({{"route", route}}, durations.samples);
  }
  std::vector<Family> out{std::move(requests), std::move(durations)};
  if (events_recorded_) {
    out.push_back({"dmcd_events_recorded_total", "Container events dmcd recorded itself (create, stop, update, pause, resume, destroy; the shims record start-process and exit).",
                   Type::Counter, {{"", {}, static_cast<double>(*events_recorded_)}}});
  }
  return out;
}

std::vector<Family> container_families(const std::vector<ContainerReading>& readings) {
  std::vector<Family> out{state_family(readings)};
  auto families = per_container_families();
  for (const auto& reading : readings) add_samples(families, reading);
  for (auto& family : families) out.push_back(std::move(family));
  return out;
}

}  // namespace dmc::garden
