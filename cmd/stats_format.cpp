#include "cmd/stats_format.hpp"

#include <array>

#include <fmt/format.h>

#include "common/json_writer.hpp"

namespace dmc::cli {
namespace {

constexpr const char* kColumns = "{:<36} {:>8} {:>24} {:>8} {:>6}\n";

std::string percent(double value) { return fmt::format("{:.2f}%", value); }

double memory_percent(const containerizer::MemoryMetrics& memory) {
  return 100.0 * static_cast<double>(memory.usage) / static_cast<double>(memory.limit);
}

}  // namespace

double cpu_percent(const containerizer::Metrics& now, const containerizer::Metrics* before) {
  const uint64_t cpu_before = before ? before->cpu.usage_ns : 0;
  const int64_t wall_before = before ? before->age_ns : 0;
  const int64_t wall = now.age_ns - wall_before;
  if (wall <= 0 || now.cpu.usage_ns < cpu_before) return 0;
  return 100.0 * static_cast<double>(now.cpu.usage_ns - cpu_before) / static_cast<double>(wall);
}

std::string human_bytes(uint64_t bytes) {
  static constexpr std::array kUnits{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < kUnits.size()) {
    value /= 1024;
    ++unit;
  }
  if (unit == 0) return fmt::format("{}B", bytes);
  auto text = fmt::format("{:.1f}", value);
  if (text.ends_with(".0")) text.resize(text.size() - 2);
  return text + kUnits[unit];
}

std::string stats_header() {
  return fmt::format(kColumns, "HANDLE", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS");
}

std::string stats_line(const StatsSample& sample) {
  const auto& memory = sample.now.memory;
  const bool limited = memory.limit > 0;
  auto usage = human_bytes(memory.usage) + " / " +
               (limited ? human_bytes(memory.limit) : std::string("unlimited"));
  return fmt::format(kColumns, sample.handle, percent(sample.cpu_percent), usage,
                     limited ? percent(memory_percent(memory)) : "--", sample.now.pids.current);
}

std::string stats_json(const StatsSample& sample) {
  const auto& m = sample.now;
  return json::write([&](json::Writer& w) {
    w.StartObject();
    json::string_member(w, "handle", sample.handle);
    json::key(w, "cpu_percent");
    w.Double(sample.cpu_percent);
    json::key(w, "cpu_usage_ns");
    w.Uint64(m.cpu.usage_ns);
    json::key(w, "memory_usage_bytes");
    w.Uint64(m.memory.usage);
    json::key(w, "memory_limit_bytes");
    w.Uint64(m.memory.limit);
    json::key(w, "memory_percent");
    if (m.memory.limit > 0) w.Double(memory_percent(m.memory)); else w.Null();
    json::key(w, "pids");
    w.Uint64(m.pids.current);
    json::key(w, "pids_limit");
    w.Uint64(m.pids.max);
    json::key(w, "age_ns");
    w.Int64(m.age_ns);
    w.EndObject();
  }) + "\n";
}

}  // namespace dmc::cli
