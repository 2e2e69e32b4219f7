// What `dmc stats` prints for one sample of a container: cpu % from two
// readings of its metrics (podman's way), memory, pids; as a text line or
// as one JSON object per line.
#pragma once

#include <string>

#include "containerizer/metrics.hpp"

namespace dmc::cli {

struct StatsSample {
  std::string handle;
  containerizer::Metrics now;
  double cpu_percent = 0;  // of one cpu: above 100 when it uses more than one
};

// The cpu used between two readings over the wall time between them, in %
// of one cpu. Without an earlier reading, over the container's life, as
// podman's first sample is (its start is the earlier reading).
double cpu_percent(const containerizer::Metrics& now, const containerizer::Metrics* before);

// 1023 -> "1023B", 1536 -> "1.5KiB", 268435456 -> "256MiB".
std::string human_bytes(uint64_t bytes);

std::string stats_header();
// HANDLE  CPU %  MEM USAGE / LIMIT  MEM %  PIDS, with "unlimited" and "--"
// for a container without a memory limit.
std::string stats_line(const StatsSample& sample);
// The exact numbers (bytes, ns) of one sample; memory_percent is null
// without a memory limit, memory_limit_bytes and pids_limit are 0.
std::string stats_json(const StatsSample& sample);

}  // namespace dmc::cli
