// What dmcd's GET /metrics exports, as Prometheus families: dmcd's own
// figures kept in memory (requests by route and status, their latency), and
// the containers' figures, read at scrape time (container_families renders
// what the scrape read; Api::scrape reads it through the containerizer).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "containerizer/containerizer.hpp"
#include "garden/prometheus_text.hpp"

namespace dmc::garden {

// The bounds of dmcd_request_duration_seconds, in seconds: 1 ms to 10 s.
const std::vector<double>& request_duration_bounds();

// dmcd's own counters. Thread-safe: requests are counted on the loop, a
// scrape reads them on a worker.
class ServerMetrics {
 public:
  // One request answered (or hijacked): its route's name ("unknown" when no
  // route matched), the status sent, and the seconds from its headers to
  // the answer.
  void count_request(std::string_view route, int status, double seconds);
  // The events dmcd recorded in the journals so far (its containerizer's
  // events_recorded()). Until it is first set, dmcd_events_recorded_total
  // is not exported at all (no made-up figure); from then on it is, 0
  // included.
  void set_events_recorded(uint64_t total);
  // dmcd_requests_total, dmcd_request_duration_seconds and, once counted,
  // dmcd_events_recorded_total; one consistent snapshot.
  std::vector<prometheus::Family> families() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // (route, status)
  std::map<std::string, prometheus::Histogram, std::less<>> durations_;  // by route
  std::optional<uint64_t> events_recorded_;
};

// One container as a scrape read it. What could not be read is empty, and
// its samples are left out (the container is still counted by its state).
struct ContainerReading {
  std::string handle;
  containerizer::State state = containerizer::State::Running;
  std::optional<containerizer::Metrics> metrics;
  std::optional<uint64_t> oom_kills;
  std::optional<uint64_t> processes_running;
};

// dmc_containers by state (every state, 0 included), then the per-container
// families labelled by handle: cpu seconds, memory usage and limit (no
// sample when unlimited), pids, OOM kills, processes running.
std::vector<prometheus::Family> container_families(const std::vector<ContainerReading>& readings);

}  // namespace dmc::garden
