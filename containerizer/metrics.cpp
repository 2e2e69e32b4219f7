#include "containerizer/metrics.hpp"

#include <unistd.h>

#include <charconv>
#include <sstream>

#include "common/clock.hpp"
#include "common/fs.hpp"

namespace dmc::containerizer {
namespace {

// Limits at or above this mean "none" (v1 writes PAGE_COUNTER_MAX pages).
constexpr uint64_t kUnlimited = uint64_t{1} << 62;

// "key value" lines, as in memory.stat, cpu.stat, memory.events.
std::map<std::string, uint64_t> key_values(const std::string& text) {
  std::map<std::string, uint64_t> out;
  std::istringstream in(text);
  std::string key;
  uint64_t value;
  while (in >> key >> value) out[key] = value;
  return out;
}

// The first of names that exists in dir, as a number; "max" is 0.
Result<uint64_t> read_number(const std::string& dir, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto text = read_file(dir + "/" + name);
    if (!text) continue;
    if (text->starts_with("max")) return uint64_t{0};
    uint64_t value = 0;
    std::from_chars(text->data(), text->data() + text->size(), value);
    return value >= kUnlimited ? 0 : value;
  }
  return make_error(ErrorKind::NotFound, "{}: none of the expected cgroup files", dir);
}

uint64_t get(const std::map<std::string, uint64_t>& m, const char* key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

Result<MemoryMetrics> memory_metrics(const std::string& dir) {
  MemoryMetrics m;
  DMC_TRY(stat, read_file(dir + "/memory.stat"));
  m.stat = key_values(stat);
  DMC_TRY(usage, read_number(dir, {"memory.usage_in_bytes", "memory.current"}));
  DMC_TRY(limit, read_number(dir, {"memory.limit_in_bytes", "memory.max"}));
  m.usage = usage;
  m.limit = limit;
  bool v1 = m.stat.contains("total_rss");
  m.rss = get(m.stat, v1 ? "total_rss" : "anon");
  m.cache = get(m.stat, v1 ? "total_cache" : "file");
  uint64_t swap = get(m.stat, v1 ? "total_swap" : "swapcached");
  uint64_t inactive = get(m.stat, v1 ? "total_inactive_file" : "inactive_file");
  uint64_t sum = m.rss + m.cache + swap;
  m.total_usage_toward_limit = sum > inactive ? sum - inactive : 0;
  return m;
}

Result<CpuMetrics> cpu_metrics(const std::string& dir) {
  CpuMetrics c;
  if (auto v1 = read_file(dir + "/cpuacct.usage")) {
    c.usage_ns = std::strtoull(v1->c_str(), nullptr, 10);
    auto stat = key_values(read_file(dir + "/cpuacct.stat").value_or(""));
    const uint64_t ns_per_tick = 1'000'000'000 / static_cast<uint64_t>(::sysconf(_SC_CLK_TCK));
    c.user_ns = get(stat, "user") * ns_per_tick;
    c.system_ns = get(stat, "system") * ns_per_tick;
    return c;
  }
  DMC_TRY(text, read_file(dir + "/cpu.stat"));
  auto stat = key_values(text);
  c.usage_ns = get(stat, "usage_usec") * 1000;
  c.user_ns = get(stat, "user_usec") * 1000;
  c.system_ns = get(stat, "system_usec") * 1000;
  return c;
}

Result<PidMetrics> pid_metrics(const std::string& dir) {
  DMC_TRY(current, read_number(dir, {"pids.current"}));
  DMC_TRY(max, read_number(dir, {"pids.max"}));
  return PidMetrics{current, max};
}

}  // namespace

Result<Metrics> read_metrics(const std::vector<cgroup::Hierarchy>& hierarchies,
                             const std::string& cgroup_path, int64_t created_at_ns) {
  Metrics m;
  DMC_TRY(memory, memory_metrics(cgroup::dir_for(hierarchies, "memory", cgroup_path)));
  DMC_TRY(cpu, cpu_metrics(cgroup::dir_for(hierarchies, "cpuacct", cgroup_path)));
  DMC_TRY(pids, pid_metrics(cgroup::dir_for(hierarchies, "pids", cgroup_path)));
  m.memory = std::move(memory);
  m.cpu = cpu;
  m.pids = pids;
  m.age_ns = now_ns() - created_at_ns;
  return m;
}

Result<bundler::Limits> read_limits(const std::vector<cgroup::Hierarchy>& hierarchies,
                                    const std::string& cgroup_path) {
  bundler::Limits limits;
  auto memory = cgroup::dir_for(hierarchies, "memory", cgroup_path);
  DMC_TRY(bytes, read_number(memory, {"memory.limit_in_bytes", "memory.max"}));
  if (bytes) limits.memory_bytes = bytes;
  auto cpu = cgroup::dir_for(hierarchies, "cpu", cgroup_path);
  if (auto shares = read_number(cpu, {"cpu.shares"})) {
    limits.cpu_shares = *shares;
  } else if (auto weight = read_number(cpu, {"cpu.weight"}); weight && *weight) {
    // The inverse of the runtimes' shares -> weight conversion.
    limits.cpu_shares = 2 + ((*weight - 1) * 262142) / 9999;
  }
  DMC_TRY(pids, read_number(cgroup::dir_for(hierarchies, "pids", cgroup_path), {"pids.max"}));
  if (pids) limits.pids_max = static_cast<int64_t>(pids);
  return limits;
}

Result<uint64_t> read_oom_kills(const std::vector<cgroup::Hierarchy>& hierarchies,
                                const std::string& cgroup_path) {
  auto dir = cgroup::dir_for(hierarchies, "memory", cgroup_path);
  auto text = read_file(dir + "/memory.oom_control");
  if (!text) text = read_file(dir + "/memory.events");
  if (!text) return text.error();
  return get(key_values(*text), "oom_kill");
}

}  // namespace dmc::containerizer
