// ContainerSpec (section 3.3) and the image URIs dmc takes.
#include "garden/wire_checked.hpp"
#include "garden/wire_in.hpp"

namespace dmc::garden {
namespace {

using namespace wire;

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


}  // namespace dmc::garden
