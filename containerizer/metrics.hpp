// What a container uses, read from its own cgroup (v1 or v2) files, so it
// is right whoever started the processes and survives restarts of dmc.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bundler/bundle.hpp"
#include "common/cgroup.hpp"
#include "common/result.hpp"

namespace dmc::containerizer {

struct MemoryMetrics {
  uint64_t usage = 0;  // memory.usage_in_bytes / memory.current
  uint64_t limit = 0;  // 0: no limit
  uint64_t cache = 0;  // page cache (v1 total_cache, v2 file)
  uint64_t rss = 0;    // anonymous memory (v1 total_rss, v2 anon)
  // Garden's figure: rss + cache + swap - inactive file, at least 0.
  uint64_t total_usage_toward_limit = 0;
  std::map<std::string, uint64_t> stat;  // memory.stat as it is
};

struct CpuMetrics {
  uint64_t usage_ns = 0;
  uint64_t user_ns = 0;
  uint64_t system_ns = 0;
};

struct PidMetrics {
  uint64_t current = 0;
  uint64_t max = 0;  // 0: no limit
};

struct Metrics {
  MemoryMetrics memory;
  CpuMetrics cpu;
  PidMetrics pids;
  int64_t age_ns = 0;
};

Result<Metrics> read_metrics(const std::vector<cgroup::Hierarchy>& hierarchies,
                             const std::string& cgroup_path, int64_t created_at_ns);

// The limits in force, as the cgroup files say.
Result<bundler::Limits> read_limits(const std::vector<cgroup::Hierarchy>& hierarchies,
                                    const std::string& cgroup_path);

// How often the kernel OOM-killed a process of the cgroup (v1
// memory.oom_control, v2 memory.events `oom_kill`).
Result<uint64_t> read_oom_kills(const std::vector<cgroup::Hierarchy>& hierarchies,
                                const std::string& cgroup_path);

}  // namespace dmc::containerizer
