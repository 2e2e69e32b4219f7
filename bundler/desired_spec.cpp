// spec.json: the DesiredSpec as the user asked for it, kept in the depot.

#include "bundler/bundle.hpp"
#include "common/json.hpp"
#include "common/json_writer.hpp"

namespace dmc::bundler {
namespace {

using json::key;
using json::string;
using json::string_member;
using json::Value;
using json::Writer;

void write_bind_mounts(Writer& w, const std::vector<BindMount>& mounts) {
  key(w, "bind_mounts");
  w.StartArray();
  for (const auto& m : mounts) {
    w.StartObject();
    string_member(w, "source", m.source);
    string_member(w, "destination", m.destination);
    key(w, "read_only");
    w.Bool(m.read_only);
    w.EndObject();
  }
  w.EndArray();
}

void write_limits(Writer& w, const Limits& limits) {
  key(w, "limits");
  w.StartObject();
  if (limits.memory_bytes) {
    key(w, "memory_bytes");
    w.Uint64(*limits.memory_bytes);
  }
  if (limits.cpu_shares) {
    key(w, "cpu_shares");
    w.Uint64(*limits.cpu_shares);
  }
  if (limits.pids_max) {
    key(w, "pids_max");
    w.Int64(*limits.pids_max);
  }
  w.EndObject();
}

void write_properties(Writer& w, const std::map<std::string, std::string>& properties) {
  key(w, "properties");
  w.StartObject();
  for (const auto& [name, value] : properties) string_member(w, name, value);
  w.EndObject();
}

Result<std::vector<std::string>> read_strings(const Value& object, const char* name) {
  DMC_TRY(array, json::get_optional_array(object, name));
  std::vector<std::string> out;
  if (!array) return out;
  for (const auto& item : array->GetArray()) {
    if (!item.IsString()) {
      return make_error(ErrorKind::Invalid, "field \"{}\" must be an array of strings", name);
    }
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

Result<BindMount> read_bind_mount(const Value& item) {
  if (!item.IsObject()) {
    return make_error(ErrorKind::Invalid, "field \"bind_mounts\" must be an array of objects");
  }
  DMC_TRY(source, json::get_string(item, "source"));
  DMC_TRY(destination, json::get_string(item, "destination"));
  DMC_TRY(read_only, json::get_optional_bool(item, "read_only"));
  return BindMount{source, destination, read_only.value_or(false)};
}

Result<std::vector<BindMount>> read_bind_mounts(const Value& object) {
  DMC_TRY(array, json::get_optional_array(object, "bind_mounts"));
  std::vector<BindMount> out;
  if (!array) return out;
  for (const auto& item : array->GetArray()) {
    DMC_TRY(mount, read_bind_mount(item));
    out.push_back(std::move(mount));
  }
  return out;
}

Result<Limits> read_limits(const Value& object) {
  DMC_TRY(limits, json::get_optional_object(object, "limits"));
  if (!limits) return Limits{};
  DMC_TRY(memory, json::get_optional_uint64(*limits, "memory_bytes"));
  DMC_TRY(cpu, json::get_optional_uint64(*limits, "cpu_shares"));
  DMC_TRY(pids, json::get_optional_int64(*limits, "pids_max"));
  return Limits{memory, cpu, pids};
}

Result<std::map<std::string, std::string>> read_properties(const Value& object) {
  DMC_TRY(properties, json::get_optional_object(object, "properties"));
  std::map<std::string, std::string> out;
  if (!properties) return out;
  for (const auto& member : properties->GetObject()) {
    if (!member.value.IsString()) {
      return make_error(ErrorKind::Invalid, "field \"properties\" must map names to strings");
    }
    out[std::string(member.name.GetString(), member.name.GetStringLength())] =
        std::string(member.value.GetString(), member.value.GetStringLength());
  }
  return out;
}

// The lists and maps of a spec whose scalar fields are already read.
Result<DesiredSpec> read_collections(const Value& doc, DesiredSpec spec) {
  DMC_TRY(env, read_strings(doc, "env"));
  DMC_TRY(bind_mounts, read_bind_mounts(doc));
  DMC_TRY(limits, read_limits(doc));
  DMC_TRY(properties, read_properties(doc));
  spec.env = std::move(env);
  spec.bind_mounts = std::move(bind_mounts);
  spec.limits = limits;
  spec.properties = std::move(properties);
  return spec;
}

Result<DesiredSpec> read_spec(const Value& doc) {
  if (!doc.IsObject()) return make_error(ErrorKind::Invalid, "expected an object");
  DesiredSpec spec;
  DMC_TRY(handle, json::get_string(doc, "handle"));
  DMC_TRY(image, json::get_optional_string(doc, "image"));
  DMC_TRY(rootfs_path, json::get_optional_string(doc, "rootfs_path"));
  DMC_TRY(privileged, json::get_optional_bool(doc, "privileged"));
  spec.handle = std::move(handle);
  spec.image = image.value_or("");
  spec.rootfs_path = rootfs_path.value_or("");
  spec.privileged = privileged.value_or(false);
  return read_collections(doc, std::move(spec));
}

void write_spec(Writer& w, const DesiredSpec& spec) {
  w.StartObject();
  string_member(w, "handle", spec.handle);
  string_member(w, "image", spec.image);
  string_member(w, "rootfs_path", spec.rootfs_path);
  json::strings(w, "env", spec.env);
  write_bind_mounts(w, spec.bind_mounts);
  write_limits(w, spec.limits);
  key(w, "privileged");
  w.Bool(spec.privileged);
  write_properties(w, spec.properties);
  w.EndObject();
}

}  // namespace

std::string to_json(const DesiredSpec& spec) {
  return json::write([&](Writer& w) { write_spec(w, spec); });
}

Result<DesiredSpec> desired_spec_from_json(std::string_view text) {
  DMC_TRY(doc, json::parse(text, "desired spec"));
  auto spec = read_spec(doc);
  if (!spec) return spec.error().wrap("desired spec");
  return spec;
}

}  // namespace dmc::bundler
