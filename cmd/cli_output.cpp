#include "cmd/cli_output.hpp"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "common/clock.hpp"

namespace dmc::cli {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

void key_string(Writer& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_limits(Writer& w, const bundler::Limits& limits) {
  w.Key("limits");
  w.StartObject();
  if (limits.memory_bytes) { w.Key("memory_bytes"); w.Uint64(*limits.memory_bytes); }
  if (limits.cpu_shares) { w.Key("cpu_shares"); w.Uint64(*limits.cpu_shares); }
  if (limits.pids_max) { w.Key("pids_max"); w.Int64(*limits.pids_max); }
  w.EndObject();
}

void write_properties(Writer& w, const depot::Properties& properties) {
  w.Key("properties");
  w.StartObject();
  for (const auto& [k, v] : properties) key_string(w, k.c_str(), v);
  w.EndObject();
}

void write_info(Writer& w, const containerizer::ContainerInfo& info) {
  w.StartObject();
  key_string(w, "handle", info.handle);
  key_string(w, "state", std::string(depot::to_string(info.status)));
  key_string(w, "created_at", rfc3339(info.created_at_ns));
  w.Key("init_pid");
  w.Int(info.init_pid);
  key_string(w, "image", info.image);
  key_string(w, "bundle_path", info.bundle_path);
  key_string(w, "rootfs_path", info.rootfs_path);
  key_string(w, "runtime", info.runtime);
  w.Key("privileged");
  w.Bool(info.privileged);
  write_limits(w, info.limits);
  write_properties(w, info.properties);
  w.Key("events");
  w.StartArray();
  for (const auto& e : info.events) w.String(e.c_str());
  w.EndArray();
  w.EndObject();
}

void key_uint(Writer& w, const char* key, uint64_t value) {
  w.Key(key);
  w.Uint64(value);
}

void write_metrics(Writer& w, const containerizer::Metrics& m) {
  w.StartObject();
  w.Key("memory");
  w.StartObject();
  key_uint(w, "usage", m.memory.usage);
  key_uint(w, "cache", m.memory.cache);
  key_uint(w, "rss", m.memory.rss);
  key_uint(w, "limit", m.memory.limit);
  key_uint(w, "total_usage_toward_limit", m.memory.total_usage_toward_limit);
  w.EndObject();
  w.Key("cpu");
  w.StartObject();
  key_uint(w, "usage_ns", m.cpu.usage_ns);
  key_uint(w, "user_ns", m.cpu.user_ns);
  key_uint(w, "system_ns", m.cpu.system_ns);
  w.EndObject();
  w.Key("pids");
  w.StartObject();
  key_uint(w, "current", m.pids.current);
  key_uint(w, "max", m.pids.max);
  w.EndObject();
  w.Key("age_ns");
  w.Int64(m.age_ns);
  w.EndObject();
}

std::string finish(rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

template <class F>
std::string pretty(F&& write) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  write(w);
  return finish(buffer);
}

}  // namespace

std::string limits_json(const bundler::Limits& limits) {
  return pretty([&](Writer& w) {
    w.StartObject();
    write_limits(w, limits);
    w.EndObject();
  });
}

std::string metrics_json(const containerizer::Metrics& metrics) {
  return pretty([&](Writer& w) { write_metrics(w, metrics); });
}

std::string properties_json(const depot::Properties& properties) {
  return pretty([&](Writer& w) {
    w.StartObject();
    write_properties(w, properties);
    w.EndObject();
  });
}

std::string info_json(const containerizer::ContainerInfo& info) {
  return pretty([&](Writer& w) { write_info(w, info); });
}

std::string list_json(const std::vector<containerizer::ContainerInfo>& infos) {
  return pretty([&](Writer& w) {
    w.StartArray();
    for (const auto& info : infos) write_info(w, info);
    w.EndArray();
  });
}

}  // namespace dmc::cli
