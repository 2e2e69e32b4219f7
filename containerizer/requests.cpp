// The checks of what a front door asks, made before anything is touched.
#include "containerizer/requests.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <limits>

#include "common/name.hpp"

namespace dmc::containerizer {
namespace {

template <class T>
Result<void> check_range(std::string_view what, std::optional<T> value, T min, T max) {
  if (!value || (*value >= min && *value <= max)) return {};
  return make_error(ErrorKind::Invalid, "invalid {} '{}': must be from {} to {}", what, *value,
                    min, max);
}

bool has_dotdot(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") return true;
    start = end + 1;
  }
  return false;
}

Result<void> check_bind_mount(const BindMount& mount) {
  auto invalid = [&](std::string_view which, const std::string& path, std::string_view why) {
    return make_error(ErrorKind::Invalid, "invalid bind mount {} '{}': {}", which, path, why);
  };
  const auto& dst = mount.destination;
  if (!dst.starts_with('/')) return invalid("destination", dst, "must be an absolute path");
  if (dst.find_first_not_of('/') == std::string::npos) return invalid("destination", dst, "must not be /");
  if (has_dotdot(dst)) return invalid("destination", dst, "must not contain '..'");
  if (!mount.source.starts_with('/')) {
    return invalid("source", mount.source, "must be an absolute path");
  }
  struct stat st {};
  if (::stat(mount.source.c_str(), &st) != 0) {
    auto error = sys_error(fmt::format("invalid bind mount source '{}'", mount.source));
    error.kind = ErrorKind::Invalid;
    return error;
  }
  return {};
}

// The resources of setrlimit(2): as ulimit names them, and the OCI type.
struct Resource {
  std::string_view name;
  std::string_view type;
};

constexpr std::array<Resource, 16> kResources{{
    {"as", "RLIMIT_AS"},           {"core", "RLIMIT_CORE"},
    {"cpu", "RLIMIT_CPU"},         {"data", "RLIMIT_DATA"},
    {"fsize", "RLIMIT_FSIZE"},     {"locks", "RLIMIT_LOCKS"},
    {"memlock", "RLIMIT_MEMLOCK"}, {"msgqueue", "RLIMIT_MSGQUEUE"},
    {"nice", "RLIMIT_NICE"},       {"nofile", "RLIMIT_NOFILE"},
    {"nproc", "RLIMIT_NPROC"},     {"rss", "RLIMIT_RSS"},
    {"rtprio", "RLIMIT_RTPRIO"},   {"rttime", "RLIMIT_RTTIME"},
    {"sigpending", "RLIMIT_SIGPENDING"}, {"stack", "RLIMIT_STACK"},
}};

std::optional<std::string_view> oci_type(std::string_view name) {
  std::string key(name);
  std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  if (key.starts_with("rlimit_")) key.erase(0, 7);
  for (const auto& resource : kResources) {
    if (resource.name == key) return resource.type;
  }
  return std::nullopt;
}

std::string rlimit_text(uint64_t value) {
  return value == std::numeric_limits<uint64_t>::max() ? "unlimited" : std::to_string(value);
}

}  // namespace

Result<void> check_limits(const Limits& limits) {
  constexpr auto kMaxMemory = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  DMC_CHECK(check_range("memory limit", limits.memory_bytes, kMinMemoryBytes, kMaxMemory));
  DMC_CHECK(check_range("cpu shares", limits.cpu_shares, kMinCpuShares, kMaxCpuShares));
  return check_range("pids limit", limits.pids_max, kMinPids, kMaxPids);
}

Result<void> check_env(const std::vector<std::string>& env) {
  for (const auto& entry : env) {
    auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return make_error(ErrorKind::Invalid, "invalid env '{}': expected KEY=VALUE", entry);
    }
  }
  return {};
}

Result<void> check_bind_mounts(const std::vector<BindMount>& mounts) {
  for (const auto& mount : mounts) DMC_CHECK(check_bind_mount(mount));
  return {};
}

Result<void> check_properties(const Properties& properties) {
  return depot::validate_properties(properties);
}

Result<void> check_create(const CreateRequest& request) {
  if (request.handle) DMC_CHECK(validate_handle(*request.handle));
  DMC_CHECK(check_env(request.env));
  DMC_CHECK(check_bind_mounts(request.bind_mounts));
  DMC_CHECK(check_limits(request.limits));
  return check_properties(request.properties);
}

Result<Rlimit> checked_rlimit(Rlimit rlimit) {
  auto type = oci_type(rlimit.type);
  if (!type) {
    return make_error(ErrorKind::Invalid, "invalid rlimit '{}': unknown resource (use one of as, "
                      "core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, "
                      "rss, rtprio, rttime, sigpending, stack)", rlimit.type);
  }
  if (rlimit.soft > rlimit.hard) {
    return make_error(ErrorKind::Invalid,
                      "invalid rlimit '{}': the soft limit {} is above the hard limit {}",
                      rlimit.type, rlimit_text(rlimit.soft), rlimit_text(rlimit.hard));
  }
  rlimit.type = std::string(*type);
  return rlimit;
}

Result<void> check_group(const std::string& group) {
  return validate_name("group", group);
}

Result<ProcessSpec> checked_process(ProcessSpec spec) {
  if (spec.path.empty()) return make_error(ErrorKind::Invalid, "a process needs a path");
  if (!spec.group.empty()) DMC_CHECK(check_group(spec.group));
  DMC_CHECK(check_env(spec.env));
  for (auto& rlimit : spec.rlimits) {
    DMC_TRY(checked, checked_rlimit(std::move(rlimit)));
    rlimit = std::move(checked);
  }
  if (spec.spool_cap && *spec.spool_cap == 0) {
    return make_error(ErrorKind::Invalid, "invalid spool cap '0': must be positive");
  }
  return spec;
}

}  // namespace dmc::containerizer
