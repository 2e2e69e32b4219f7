#include "garden/wire_in.hpp"

#include <array>
#include <utility>

#include "common/json.hpp"

namespace dmc::garden {
namespace {

using json::Value;

Error invalid(std::string_view what, std::string_view why) {
  return make_error(ErrorKind::Invalid, "invalid {}: {}", what, why);
}

Result<json::Document> parse_object(std::string_view body, std::string_view what) {
  DMC_TRY(doc, json::parse(body, what));
  if (!doc.IsObject()) return invalid(what, "not a JSON object");
  return doc;
}

// A member that must be an object when present (null is absent).
Result<const Value*> object_of(const Value& v, const char* key, std::string_view what) {
  auto o = json::get_optional_object(v, key);
  if (!o) return invalid(what, o.error().message);
  return *o;
}

Result<std::vector<std::string>> strings_of(const Value& v, const char* key,
                                            std::string_view what) {
  std::vector<std::string> out;
  auto a = json::get_optional_array(v, key);
  if (!a) return invalid(what, a.error().message);
  if (!*a) return out;
  for (const auto& item : (*a)->GetArray()) {
    if (!item.IsString()) return invalid(what, fmt::format("{} must hold strings", key));
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

template <class T>
Result<T> field(Result<T> r, std::string_view what) {
  if (!r) return invalid(what, r.error().message);
  return r;
}

Result<uint64_t> uint_or_zero(const Value* object, const char* key, std::string_view what) {
  if (!object) return uint64_t{0};
  DMC_TRY(v, field(json::get_optional_uint64(*object, key), what));
  return v.value_or(0);
}

Result<std::string> image_of(const Value& spec) {
  constexpr std::string_view what = "container spec";
  DMC_TRY(rootfs, field(json::get_optional_string(spec, "rootfs"), what));
  DMC_TRY(image, object_of(spec, "image", what));
  std::string uri;
  if (image) {
    DMC_TRY(u, field(json::get_optional_string(*image, "uri"), what));
    DMC_TRY(user, field(json::get_optional_string(*image, "username"), what));
    DMC_TRY(password, field(json::get_optional_string(*image, "password"), what));
    if (!user.value_or("").empty() || !password.value_or("").empty()) {
      return make_error(ErrorKind::Invalid,
                        "image credentials are not supported: this server fetches no images");
    }
    uri = u.value_or("");
  }
  if (!uri.empty() && !rootfs.value_or("").empty()) {
    return make_error(ErrorKind::Invalid, "Cannot provide both Image.URI and RootFSPath");
  }
  return image_dir(uri.empty() ? rootfs.value_or("") : uri);
}

Result<std::vector<containerizer::BindMount>> bind_mounts_of(const Value& spec) {
  constexpr std::string_view what = "bind mount";
  std::vector<containerizer::BindMount> out;
  DMC_TRY(array, field(json::get_optional_array(spec, "bind_mounts"), what));
  if (!array) return out;
  for (const auto& m : array->GetArray()) {
    if (!m.IsObject()) return invalid(what, "not a JSON object");
    DMC_TRY(src, field(json::get_optional_string(m, "src_path"), what));
    DMC_TRY(dst, field(json::get_optional_string(m, "dst_path"), what));
    DMC_TRY(mode, uint_or_zero(&m, "mode", what));
    DMC_TRY(origin, uint_or_zero(&m, "origin", what));
    if (mode > 1) return invalid(what, fmt::format("mode {} is neither 0 (ro) nor 1 (rw)", mode));
    if (origin == 1) {
      return make_error(ErrorKind::Invalid,
                        "bind mounts from inside the container are not supported");
    }
    if (origin > 1) return invalid(what, fmt::format("unknown origin {}", origin));
    out.push_back({.source = src.value_or(""), .destination = dst.value_or(""),
                   .read_only = mode == 0});
  }
  return out;
}

Result<containerizer::Limits> limits_of(const Value& spec) {
  constexpr std::string_view what = "limits";
  containerizer::Limits limits;
  DMC_TRY(all, object_of(spec, "limits", what));
  if (!all) return limits;
  DMC_TRY(memory, object_of(*all, "memory_limits", what));
  DMC_TRY(cpu, object_of(*all, "cpu_limits", what));
  DMC_TRY(pids, object_of(*all, "pid_limits", what));
  DMC_TRY(bytes, uint_or_zero(memory, "limit_in_bytes", what));
  DMC_TRY(weight, uint_or_zero(cpu, "weight", what));
  DMC_TRY(shares, uint_or_zero(cpu, "limit_in_shares", what));
  DMC_TRY(max, uint_or_zero(pids, "max", what));
  if (bytes) limits.memory_bytes = bytes;
  if (weight || shares) limits.cpu_shares = weight ? weight : shares;
  if (max > static_cast<uint64_t>(INT64_MAX)) return invalid(what, "pid_limits.max too large");
  if (max) limits.pids_max = static_cast<int64_t>(max);
  // Disk quotas and bandwidth are ignored, as section 8 allows: dmc has no
  // quota layer, and Guardian ignores bandwidth too.
  return limits;
}

Result<depot::Properties> properties_of(const Value& spec) {
  depot::Properties out;
  DMC_TRY(props, object_of(spec, "properties", "properties"));
  if (!props) return out;
  for (const auto& m : props->GetObject()) {
    if (!m.value.IsString()) return invalid("properties", "values must be strings");
    out[std::string(m.name.GetString(), m.name.GetStringLength())] =
        std::string(m.value.GetString(), m.value.GetStringLength());
  }
  return out;
}

Result<void> refuse_networking(const Value& spec) {
  constexpr std::string_view what = "container spec";
  DMC_TRY(network, field(json::get_optional_string(spec, "network"), what));
  if (!network.value_or("").empty()) {
    return make_error(ErrorKind::Invalid, "network configuration is not supported");
  }
  DMC_TRY(netin, field(json::get_optional_array(spec, "netin"), what));
  if (netin && !netin->Empty()) {
    return make_error(ErrorKind::Invalid,
                      "NetIn is not supported: this server has no container networking");
  }
  DMC_TRY(netout, field(json::get_optional_array(spec, "netout_rules"), what));
  if (netout && !netout->Empty()) {
    return make_error(ErrorKind::Invalid,
                      "NetOut is not supported: this server has no container networking");
  }
  return {};
}

}  // namespace

Result<std::string> image_dir(std::string_view uri) {
  if (uri.empty()) return std::string();
  if (uri.starts_with('/')) return std::string(uri);
  constexpr std::string_view raw = "raw://";
  if (uri.starts_with(raw) && uri.substr(raw.size()).starts_with('/')) {
    return std::string(uri.substr(raw.size()));
  }
  auto colon = uri.find(':');
  if (colon == std::string_view::npos) {
    return make_error(ErrorKind::Invalid, "invalid image URI '{}': not an absolute path", uri);
  }
  return make_error(ErrorKind::Invalid, "unsupported image URI scheme '{}'", uri.substr(0, colon));
}

Result<ContainerSpec> parse_container_spec(std::string_view body) {
  constexpr std::string_view what = "container spec";
  DMC_TRY(doc, parse_object(body, what));
  ContainerSpec out;
  auto& r = out.request;
  DMC_TRY(handle, field(json::get_optional_string(doc, "handle"), what));
  if (!handle.value_or("").empty()) r.handle = *handle;
  DMC_TRY(grace, field(json::get_optional_int64(doc, "grace_time"), what));
  if (grace.value_or(0) < 0) return invalid(what, "grace_time is negative");
  out.grace_time_ns = grace.value_or(0);
  DMC_CHECK(refuse_networking(doc));
  DMC_TRY(image, image_of(doc));
  r.image = std::move(image);
  DMC_TRY(env, strings_of(doc, "env", what));
  r.env = std::move(env);
  DMC_TRY(privileged, field(json::get_optional_bool(doc, "privileged"), what));
  r.privileged = privileged.value_or(false);
  DMC_TRY(mounts, bind_mounts_of(doc));
  r.bind_mounts = std::move(mounts);
  DMC_TRY(limits, limits_of(doc));
  r.limits = limits;
  DMC_TRY(props, properties_of(doc));
  r.properties = std::move(props);
  return out;
}

namespace {

constexpr std::array<std::pair<const char*, const char*>, 15> kRlimits = {{
    {"as", "RLIMIT_AS"},         {"core", "RLIMIT_CORE"},
    {"cpu", "RLIMIT_CPU"},       {"data", "RLIMIT_DATA"},
    {"fsize", "RLIMIT_FSIZE"},   {"locks", "RLIMIT_LOCKS"},
    {"memlock", "RLIMIT_MEMLOCK"}, {"msgqueue", "RLIMIT_MSGQUEUE"},
    {"nice", "RLIMIT_NICE"},     {"nofile", "RLIMIT_NOFILE"},
    {"nproc", "RLIMIT_NPROC"},   {"rss", "RLIMIT_RSS"},
    {"rtprio", "RLIMIT_RTPRIO"}, {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},
}};

// A present key sets soft = hard = value (section 4.1).
Result<std::vector<oci::Rlimit>> rlimits_of(const Value& spec) {
  std::vector<oci::Rlimit> out;
  DMC_TRY(rlimits, object_of(spec, "rlimits", "rlimits"));
  if (!rlimits) return out;
  for (auto [key, type] : kRlimits) {
    DMC_TRY(v, field(json::get_optional_uint64(*rlimits, key), "rlimits"));
    if (v) out.push_back({.type = type, .hard = *v, .soft = *v});
  }
  return out;
}

Result<std::optional<oci::ConsoleSize>> window_of(const Value& tty, std::string_view what) {
  DMC_TRY(size, object_of(tty, "window_size", what));
  if (!size) return std::optional<oci::ConsoleSize>();
  DMC_TRY(cols, uint_or_zero(size, "columns", what));
  DMC_TRY(rows, uint_or_zero(size, "rows", what));
  if (cols > 0xffff || rows > 0xffff) return invalid(what, "window size over 65535");
  oci::ConsoleSize window;
  if (cols) window.width = static_cast<unsigned>(cols);
  if (rows) window.height = static_cast<unsigned>(rows);
  return std::optional<oci::ConsoleSize>(window);
}

// Peas: processes with an image, bind mounts or limits of their own.
Result<void> refuse_peas(const Value& spec) {
  constexpr std::string_view what = "process spec";
  DMC_TRY(image, object_of(spec, "image", what));
  if (image) {
    DMC_TRY(uri, field(json::get_optional_string(*image, "uri"), what));
    if (!uri.value_or("").empty()) {
      return make_error(ErrorKind::Invalid, "processes with their own image are not supported");
    }
  }
  DMC_TRY(mounts, field(json::get_optional_array(spec, "bind_mounts"), what));
  if (mounts && !mounts->Empty()) {
    return make_error(ErrorKind::Invalid,
                      "Running a process with bind mounts and no image provided is not allowed");
  }
  DMC_TRY(limits, object_of(spec, "limits", what));
  if (limits && !limits->ObjectEmpty()) {
    for (const char* key : {"cpu_limits", "memory_limits"}) {
      DMC_TRY(sub, object_of(*limits, key, what));
      if (sub && !sub->ObjectEmpty()) {
        return make_error(ErrorKind::Invalid,
                          "processes with their own image are not supported");
      }
    }
  }
  return {};
}

}  // namespace

Result<process_tracker::ProcessSpec> parse_process_spec(std::string_view body) {
  constexpr std::string_view what = "process spec";
  DMC_TRY(doc, parse_object(body, what));
  DMC_CHECK(refuse_peas(doc));
  process_tracker::ProcessSpec spec;
  DMC_TRY(id, field(json::get_optional_string(doc, "id"), what));
  if (!id.value_or("").empty()) spec.id = *id;
  DMC_TRY(path, field(json::get_optional_string(doc, "path"), what));
  spec.path = path.value_or("");
  if (spec.path.empty()) return invalid(what, "path is empty");
  DMC_TRY(args, strings_of(doc, "args", what));
  spec.args = std::move(args);
  DMC_TRY(env, strings_of(doc, "env", what));
  spec.env = std::move(env);
  DMC_TRY(dir, field(json::get_optional_string(doc, "dir"), what));
  spec.dir = dir.value_or("");
  DMC_TRY(user, field(json::get_optional_string(doc, "user"), what));
  spec.user = user.value_or("");
  DMC_TRY(rlimits, rlimits_of(doc));
  spec.rlimits = std::move(rlimits);
  DMC_TRY(tty, object_of(doc, "tty", what));
  if (tty) {
    spec.tty = true;
    DMC_TRY(window, window_of(*tty, what));
    spec.window = window.value_or(oci::ConsoleSize{});
  }
  return spec;
}

Result<Payload> parse_payload(std::string_view line) {
  constexpr std::string_view what = "process message";
  DMC_TRY(doc, parse_object(line, what));
  Payload p;
  DMC_TRY(source, field(json::get_optional_int64(doc, "source"), what));
  p.source = source;
  DMC_TRY(data, field(json::get_optional_string(doc, "data"), what));
  p.data = std::move(data);
  DMC_TRY(signal, field(json::get_optional_int64(doc, "signal"), what));
  p.signal = signal;
  DMC_TRY(tty, object_of(doc, "tty", what));
  p.tty = tty != nullptr;
  if (tty) {
    DMC_TRY(window, window_of(*tty, what));
    p.window = window;
  }
  return p;
}

Result<int64_t> parse_grace_time(std::string_view body) {
  DMC_TRY(doc, json::parse(body, "grace time"));
  if (!doc.IsInt64() || doc.GetInt64() < 0) {
    return invalid("grace time", "not a non-negative integer of nanoseconds");
  }
  return doc.GetInt64();
}

Result<std::string> parse_property_value(std::string_view body) {
  DMC_TRY(doc, parse_object(body, "property"));
  DMC_TRY(value, field(json::get_optional_string(doc, "value"), "property"));
  return value.value_or("");
}

Result<bool> parse_stop(std::string_view body) {
  DMC_TRY(doc, parse_object(body, "stop request"));
  DMC_TRY(kill, field(json::get_optional_bool(doc, "kill"), "stop request"));
  return kill.value_or(false);
}

}  // namespace dmc::garden
