// GET /metrics: dmcd's own figures and every container's, in Prometheus'
// text format, read off the loop at scrape time; and the metering of every
// answer into dmcd's own figures.
#include <chrono>

#include "garden/api.hpp"

namespace dmc::garden {
namespace {

// One container's figures; what cannot be read (a dead container has no
// cgroup) is left out. Empty if the container went away meanwhile.
std::optional<ContainerReading> read_container(const containerizer::Containerizer& c,
                                               const std::string& handle) {
  auto info = c.info(handle);
  if (!info) return std::nullopt;
  ContainerReading reading{handle, info->status, {}, {}, {}};
  if (auto metrics = c.metrics(handle)) reading.metrics = std::move(*metrics);
  if (auto kills = c.oom_kills(handle)) reading.oom_kills = *kills;
  if (auto processes = c.processes(handle)) {
    uint64_t running = 0;
    for (const auto& p : *processes) running += p.state == "running" ? 1 : 0;
    reading.processes_running = running;
  }
  return reading;
}

}  // namespace

void Api::meter(Exchange& exchange, const char* route) {
  auto started = std::chrono::steady_clock::now();
  exchange.on_answer([this, route, started](int status) {
    std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - started;
    server_metrics_.count_request(route, status, seconds.count());
  });
}

// Only a depot that cannot be listed fails the scrape (its figures would be
// made up); an odd container does not.
Result<std::vector<ContainerReading>> Api::read_containers() const {
  std::vector<ContainerReading> readings;
  DMC_TRY(handles, containerizer_.handles());
  for (const auto& handle : handles) {
    if (auto reading = read_container(containerizer_, handle)) {
      readings.push_back(std::move(*reading));
    }
  }
  return readings;
}

void Api::scrape(const X& x, const Params&) {
  async<std::string>(
      [this]() -> Result<std::string> {
        DMC_TRY(readings, read_containers());
        server_metrics_.set_events_recorded(containerizer_.events_recorded());
        auto families = server_metrics_.families();
        for (auto& family : container_families(readings)) {
          families.push_back(std::move(family));
        }
        return prometheus::render(families);
      },
      [this, x](Result<std::string> text) {
        if (!text) return fail(x, text.error());
        logger_.info("scrape.finished", {});
        x->respond({.status = 200, .body = std::move(*text),
                    .content_type = prometheus::kContentType, .headers = {}});
      });
}

}  // namespace dmc::garden
