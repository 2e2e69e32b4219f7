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
  w.EndObject();
}

std::string finish(rapidjson::StringBuffer& buffer) {
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

}  // namespace

std::string info_json(const containerizer::ContainerInfo& info) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  write_info(w, info);
  return finish(buffer);
}

std::string list_json(const std::vector<containerizer::ContainerInfo>& infos) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.StartArray();
  for (const auto& info : infos) write_info(w, info);
  w.EndArray();
  return finish(buffer);
}

}  // namespace dmc::cli
