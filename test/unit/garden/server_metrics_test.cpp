// What GET /metrics exports, before it is rendered: dmcd's own counters
// (names, labels, the latency histogram, the events hook) and the containers'
// families (every state counted, 0 included; what could not be read left out).
#include <doctest/doctest.h>

#include <algorithm>
#include <thread>

#include "garden/server_metrics.hpp"

namespace dmc::garden {
namespace {

using prometheus::Family;
using prometheus::Labels;
using prometheus::Type;

const Family& family(const std::vector<Family>& families, const std::string& name) {
  auto it = std::find_if(families.begin(), families.end(),
                         [&](const Family& f) { return f.name == name; });
  REQUIRE_MESSAGE(it != families.end(), "no family " << name);
  return *it;
}

bool has_family(const std::vector<Family>& families, const std::string& name) {
  return std::any_of(families.begin(), families.end(),
                     [&](const Family& f) { return f.name == name; });
}

// The value of the sample with exactly these labels (and suffix).
std::optional<double> value(const Family& f, const Labels& labels, const std::string& suffix = "") {
  for (const auto& s : f.samples) {
    if (s.labels == labels && s.suffix == suffix) return s.value;
  }
  return std::nullopt;
}

TEST_CASE("requests are counted by route and status, counters end in _total") {
  ServerMetrics metrics;
  metrics.count_request("create", 200, 0.02);
  metrics.count_request("create", 200, 0.03);
  metrics.count_request("info", 404, 0.001);
  metrics.count_request("unknown", 404, 0.0001);
  auto families = metrics.families();
  const auto& requests = family(families, "dmcd_requests_total");
  CHECK(requests.type == Type::Counter);
  CHECK(requests.samples.size() == 3);
  CHECK(value(requests, {{"route", "create"}, {"code", "200"}}) == 2);
  CHECK(value(requests, {{"route", "info"}, {"code", "404"}}) == 1);
  CHECK(value(requests, {{"route", "unknown"}, {"code", "404"}}) == 1);
}

TEST_CASE("request durations: one histogram per route, buckets from 1 ms to 10 s") {
  ServerMetrics metrics;
  metrics.count_request("create", 200, 0.02);
  metrics.count_request("create", 500, 20);
  auto families = metrics.families();
  const auto& durations = family(families, "dmcd_request_duration_seconds");
  CHECK(durations.type == Type::Histogram);
  CHECK(request_duration_bounds().front() == 0.001);
  CHECK(request_duration_bounds().back() == 10);
  CHECK(value(durations, {{"route", "create"}, {"le", "0.001"}}, "_bucket") == 0);
  CHECK(value(durations, {{"route", "create"}, {"le", "0.025"}}, "_bucket") == 1);
  CHECK(value(durations, {{"route", "create"}, {"le", "10"}}, "_bucket") == 1);
  CHECK(value(durations, {{"route", "create"}, {"le", "+Inf"}}, "_bucket") == 2);
  CHECK(value(durations, {{"route", "create"}}, "_count") == 2);
  CHECK(value(durations, {{"route", "create"}}, "_sum") == doctest::Approx(20.02));
}

TEST_CASE("events recorded are not exported until first set, then from 0 on") {
  ServerMetrics metrics;
  CHECK_FALSE(has_family(metrics.families(), "dmcd_events_recorded_total"));
  metrics.set_events_recorded(0);
  CHECK(value(family(metrics.families(), "dmcd_events_recorded_total"), {}) == 0);
  metrics.set_events_recorded(3);
  metrics.set_events_recorded(5);
  const auto families = metrics.families();
  const auto& events = family(families, "dmcd_events_recorded_total");
  CHECK(events.type == Type::Counter);
  CHECK(value(events, {}) == 5);
}

TEST_CASE("requests counted from several threads at once are all counted") {
  ServerMetrics metrics;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) metrics.count_request("ping", 200, 0.0001);
    });
  }
  for (auto& t : threads) t.join();
  CHECK(value(family(metrics.families(), "dmcd_requests_total"),
              {{"route", "ping"}, {"code", "200"}}) == 4000);
}

containerizer::Metrics sample_metrics(uint64_t limit) {
  containerizer::Metrics m;
  m.cpu.usage_ns = 1'500'000'000;
  m.memory.usage = 4096;
  m.memory.limit = limit;
  m.pids.current = 3;
  return m;
}

TEST_CASE("containers by state: every state, 0 included") {
  std::vector<ContainerReading> readings{
      {"a", containerizer::State::Running, {}, {}, {}},
      {"b", containerizer::State::Running, {}, {}, {}},
      {"c", containerizer::State::Dead, {}, {}, {}},
  };
  auto families = container_families(readings);
  const auto& states = family(families, "dmc_containers");
  CHECK(states.type == Type::Gauge);
  CHECK(states.samples.size() == 6);
  CHECK(value(states, {{"state", "running"}}) == 2);
  CHECK(value(states, {{"state", "dead"}}) == 1);
  CHECK(value(states, {{"state", "stopped"}}) == 0);
  CHECK(value(states, {{"state", "creating"}}) == 0);
  CHECK(value(states, {{"state", "incomplete"}}) == 0);
  CHECK(value(states, {{"state", "paused"}}) == 0);
}

TEST_CASE("per-container samples carry the handle, in base units") {
  std::vector<ContainerReading> readings{
      {"web-1", containerizer::State::Running, sample_metrics(1 << 20), 2, 1}};
  auto families = container_families(readings);
  Labels web{{"handle", "web-1"}};
  CHECK(family(families, "dmc_container_cpu_seconds_total").type == Type::Counter);
  CHECK(value(family(families, "dmc_container_cpu_seconds_total"), web) == 1.5);
  CHECK(value(family(families, "dmc_container_memory_usage_bytes"), web) == 4096);
  CHECK(value(family(families, "dmc_container_memory_limit_bytes"), web) == 1 << 20);
  CHECK(value(family(families, "dmc_container_pids"), web) == 3);
  CHECK(family(families, "dmc_container_oom_kills_total").type == Type::Counter);
  CHECK(value(family(families, "dmc_container_oom_kills_total"), web) == 2);
  CHECK(value(family(families, "dmc_container_processes_running"), web) == 1);
}

TEST_CASE("an unlimited container has no memory limit sample, and what was not read is left out") {
  std::vector<ContainerReading> readings{
      {"free", containerizer::State::Running, sample_metrics(0), 0, 0},
      {"dead", containerizer::State::Dead, {}, {}, {}}};
  auto families = container_families(readings);
  CHECK(family(families, "dmc_container_memory_limit_bytes").samples.empty());
  CHECK(value(family(families, "dmc_container_memory_usage_bytes"), {{"handle", "free"}}) == 4096);
  for (const auto& f : families) {
    CHECK_FALSE(value(f, {{"handle", "dead"}}).has_value());
  }
  CHECK(value(family(families, "dmc_containers"), {{"state", "dead"}}) == 1);
}

}  // namespace
}  // namespace dmc::garden
