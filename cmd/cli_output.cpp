#include "cmd/cli_output.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "common/clock.hpp"

namespace dmc::cli {
namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// Every field keeps the JSON number type it has always been written with,
// chosen by the field's C++ type; anything else is text.
template <class T>
void write_value(Writer& w, const T& value) {
  if constexpr (std::is_same_v<T, bool>) w.Bool(value);
  else if constexpr (std::is_same_v<T, int>) w.Int(value);
  else if constexpr (std::is_same_v<T, int64_t>) w.Int64(value);
  else if constexpr (std::is_same_v<T, uint64_t>) w.Uint64(value);
  else w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// One "key": value member.
template <class T>
void member(Writer& w, const char* key, const T& value) {
  w.Key(key);
  write_value(w, value);
}

// An optional field is left out while unset.
template <class T>
void member(Writer& w, const char* key, const std::optional<T>& value) {
  if (value) member(w, key, *value);
}

// "key": {...}, with what fill writes as its members.
template <class F>
void object_member(Writer& w, const char* key, F&& fill) {
  w.Key(key);
  w.StartObject();
  fill();
  w.EndObject();
}

void write_limits(Writer& w, const containerizer::Limits& limits) {
  object_member(w, "limits", [&] {
    member(w, "memory_bytes", limits.memory_bytes);
    member(w, "cpu_shares", limits.cpu_shares);
    member(w, "pids_max", limits.pids_max);
  });
}

void write_properties(Writer& w, const containerizer::Properties& properties) {
  object_member(w, "properties", [&] {
    for (const auto& [k, v] : properties) member(w, k.c_str(), v);
  });
}

void write_info(Writer& w, const containerizer::ContainerInfo& info) {
  w.StartObject();
  member(w, "handle", info.handle);
  member(w, "state", containerizer::to_string(info.status));
  member(w, "created_at", rfc3339(info.created_at_ns));
  member(w, "init_pid", info.init_pid);
  member(w, "image", info.image);
  member(w, "bundle_path", info.bundle_path);
  member(w, "rootfs_path", info.rootfs_path);
  member(w, "runtime", info.runtime);
  member(w, "privileged", info.privileged);
  write_limits(w, info.limits);
  write_properties(w, info.properties);
  w.Key("events");
  w.StartArray();
  for (const auto& e : info.events) w.String(e.c_str());
  w.EndArray();
  w.EndObject();
}

void write_metrics(Writer& w, const containerizer::Metrics& m) {
  w.StartObject();
  object_member(w, "memory", [&] {
    member(w, "usage", m.memory.usage);
    member(w, "cache", m.memory.cache);
    member(w, "rss", m.memory.rss);
    member(w, "limit", m.memory.limit);
    member(w, "total_usage_toward_limit", m.memory.total_usage_toward_limit);
  });
  object_member(w, "cpu", [&] {
    member(w, "usage_ns", m.cpu.usage_ns);
    member(w, "user_ns", m.cpu.user_ns);
    member(w, "system_ns", m.cpu.system_ns);
  });
  object_member(w, "pids", [&] {
    member(w, "current", m.pids.current);
    member(w, "max", m.pids.max);
  });
  member(w, "age_ns", m.age_ns);
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

// {"key": {...}}: one part of a container's info, printed on its own.
template <class F>
std::string pretty_object(F&& write) {
  return pretty([&](Writer& w) {
    w.StartObject();
    write(w);
    w.EndObject();
  });
}

}  // namespace

std::string limits_json(const containerizer::Limits& limits) {
  return pretty_object([&](Writer& w) { write_limits(w, limits); });
}

std::string metrics_json(const containerizer::Metrics& metrics) {
  return pretty([&](Writer& w) { write_metrics(w, metrics); });
}

std::string properties_json(const containerizer::Properties& properties) {
  return pretty_object([&](Writer& w) { write_properties(w, properties); });
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

std::string list_line(const containerizer::ContainerInfo& info) {
  using containerizer::State;
  if (info.status == State::Running || info.status == State::Stopped) return info.handle + "\n";
  return fmt::format("{}\t{}\n", info.handle, containerizer::to_string(info.status));
}

}  // namespace dmc::cli
