// state.json and properties.json: written atomically, read with every field
// checked, so that a damaged file is an error naming it, never undefined
// behaviour.
#include <array>
#include <climits>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "depot/depot.hpp"
#include "depot/detail.hpp"

namespace dmc::depot {
namespace {

namespace keys {
constexpr const char* kStatus = "status";
constexpr const char* kCreatedAt = "created_at";
constexpr const char* kInitPid = "init_pid";
constexpr const char* kInitStartTime = "init_start_time";
constexpr const char* kRuntime = "runtime";
constexpr const char* kRuntimeRoot = "runtime_root";
}  // namespace keys

constexpr std::array kStatuses{Status::Creating, Status::Created, Status::Running,
                               Status::Stopped, Status::Paused};

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void put_string(Writer& writer, std::string_view s) {
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

Result<Status> parse_status(std::string_view name) {
  for (Status status : kStatuses) {
    if (to_string(status) == name) return status;
  }
  return make_error(ErrorKind::Invalid, "field \"{}\" has unknown status {}", keys::kStatus,
                    json::quote(name));
}

Result<int64_t> get_int64(const json::Value& object, const char* key) {
  DMC_TRY(value, json::get_optional_int64(object, key));
  if (!value) return make_error(ErrorKind::Invalid, "field \"{}\" is missing", key);
  return *value;
}

Result<int> get_pid(const json::Value& object, const char* key) {
  DMC_TRY(value, get_int64(object, key));
  if (value < 0 || value > INT_MAX) {
    return make_error(ErrorKind::Invalid, "field \"{}\" is not a pid: {}", key, value);
  }
  return static_cast<int>(value);
}

Result<void> require_object(const json::Value& value) {
  if (value.IsObject()) return {};
  return make_error(ErrorKind::Invalid, "must be a json object");
}

Result<ContainerState> state_from_json(const json::Value& object) {
  DMC_CHECK(require_object(object));
  DMC_TRY(status_name, json::get_string(object, keys::kStatus));
  DMC_TRY(status, parse_status(status_name));
  DMC_TRY(created_at, get_int64(object, keys::kCreatedAt));
  DMC_TRY(init_pid, get_pid(object, keys::kInitPid));
  DMC_TRY(start_time, json::get_optional_int64(object, keys::kInitStartTime));
  if (start_time && *start_time < 0) {
    return make_error(ErrorKind::Invalid, "field \"{}\" is negative", keys::kInitStartTime);
  }
  DMC_TRY(runtime, json::get_string(object, keys::kRuntime));
  DMC_TRY(runtime_root, json::get_optional_string(object, keys::kRuntimeRoot));
  return ContainerState{.status = status,
                        .created_at_ns = created_at,
                        .init_pid = init_pid,
                        .init_start_time = static_cast<uint64_t>(start_time.value_or(0)),
                        .runtime = runtime,
                        .runtime_root = runtime_root.value_or("")};
}

Result<Properties> properties_from_json(const json::Value& object) {
  DMC_CHECK(require_object(object));
  Properties props;
  for (const auto& member : object.GetObject()) {
    std::string key(member.name.GetString(), member.name.GetStringLength());
    if (!member.value.IsString()) {
      return make_error(ErrorKind::Invalid, "property {} must be a string", json::quote(key));
    }
    props[key] = std::string(member.value.GetString(), member.value.GetStringLength());
  }
  return props;
}

// A file of ours that does not say what we wrote is an Internal error.
Error damaged(Error error) {
  error.kind = ErrorKind::Internal;
  return error;
}

// Parses file with decode; a damaged file is an Internal error naming it.
template <class T, class Decode>
Result<T> decode_file(const std::string& file, std::string_view text, Decode decode) {
  auto doc = json::parse(text, file);
  if (!doc) return damaged(doc.error());  // already names the file
  auto value = decode(*doc);
  if (!value) return damaged(value.error().wrap(file));
  return value;
}

}  // namespace

namespace detail {

std::string properties_to_json(const Properties& props) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  for (const auto& [key, value] : props) {
    writer.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
    put_string(writer, value);
  }
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string state_to_json(const ContainerState& state) {
  rapidjson::StringBuffer buffer;
  Writer writer(buffer);
  writer.StartObject();
  writer.Key(keys::kStatus);
  put_string(writer, to_string(state.status));
  writer.Key(keys::kCreatedAt);
  writer.Int64(state.created_at_ns);
  writer.Key(keys::kInitPid);
  writer.Int(state.init_pid);
  writer.Key(keys::kInitStartTime);
  writer.Uint64(state.init_start_time);
  writer.Key(keys::kRuntime);
  put_string(writer, state.runtime);
  writer.Key(keys::kRuntimeRoot);
  put_string(writer, state.runtime_root);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace detail

std::string_view to_string(Status status) {
  switch (status) {
    case Status::Creating: return "creating";
    case Status::Created: return "created";
    case Status::Running: return "running";
    case Status::Stopped: return "stopped";
    case Status::Paused: return "paused";
  }
  return "unknown";
}

Result<ContainerState> Depot::read_state(std::string_view handle) const {
  DMC_CHECK(validate_handle(handle));
  const std::string file = path(handle, names::kState);
  auto text = read_file(file);
  if (!text && text.error().err == ENOENT && !exists(handle)) return detail::unknown_handle(handle);
  if (!text) return text.error();
  return decode_file<ContainerState>(file, *text, state_from_json);
}

Result<void> Depot::write_state(std::string_view handle, const ContainerState& state) const {
  DMC_CHECK(validate_handle(handle));
  auto written = atomic_write_file(path(handle, names::kState), detail::state_to_json(state));
  if (!written && !exists(handle)) return detail::unknown_handle(handle);
  return written;
}

Result<Properties> Depot::read_properties(std::string_view handle) const {
  DMC_CHECK(validate_handle(handle));
  const std::string file = path(handle, names::kProperties);
  auto text = read_file(file);
  if (!text && text.error().err == ENOENT) {
    if (!exists(handle)) return detail::unknown_handle(handle);
    return Properties{};
  }
  if (!text) return text.error();
  return decode_file<Properties>(file, *text, properties_from_json);
}

Result<void> Depot::write_properties(std::string_view handle, const Properties& props) const {
  DMC_CHECK(validate_handle(handle));
  DMC_CHECK(validate_properties(props));
  auto written = atomic_write_file(path(handle, names::kProperties), detail::properties_to_json(props));
  if (!written && !exists(handle)) return detail::unknown_handle(handle);
  return written;
}

}  // namespace dmc::depot
