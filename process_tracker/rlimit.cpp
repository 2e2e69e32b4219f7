// "nofile=1024" / "nofile=1024:4096" / "RLIMIT_NOFILE=unlimited" -> oci::Rlimit.
#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "process_tracker/process_builder.hpp"

namespace dmc::process_tracker {
namespace {

struct Resource {
  std::string_view name;  // as in ulimit and in the Garden rlimits object
  std::string_view type;  // as in the OCI spec
};

constexpr std::array<Resource, 16> kResources{{
    {"as", "RLIMIT_AS"},
    {"core", "RLIMIT_CORE"},
    {"cpu", "RLIMIT_CPU"},
    {"data", "RLIMIT_DATA"},
    {"fsize", "RLIMIT_FSIZE"},
    {"locks", "RLIMIT_LOCKS"},
    {"memlock", "RLIMIT_MEMLOCK"},
    {"msgqueue", "RLIMIT_MSGQUEUE"},
    {"nice", "RLIMIT_NICE"},
    {"nofile", "RLIMIT_NOFILE"},
    {"nproc", "RLIMIT_NPROC"},
    {"rss", "RLIMIT_RSS"},
    {"rtprio", "RLIMIT_RTPRIO"},
    {"rttime", "RLIMIT_RTTIME"},
    {"sigpending", "RLIMIT_SIGPENDING"},
    {"stack", "RLIMIT_STACK"},
}};

constexpr uint64_t kUnlimited = std::numeric_limits<uint64_t>::max();  // RLIM_INFINITY

std::string lowercase(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  });
  return out;
}

std::optional<std::string_view> oci_type(std::string_view name) {
  std::string key = lowercase(name);
  if (key.starts_with("rlimit_")) key.erase(0, 7);
  for (const auto& resource : kResources) {
    if (resource.name == key) return resource.type;
  }
  return std::nullopt;
}

std::optional<uint64_t> parse_value(std::string_view text) {
  if (lowercase(text) == "unlimited") return kUnlimited;
  uint64_t value = 0;
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Error invalid(std::string_view text, std::string_view why) {
  return make_error(ErrorKind::Invalid, "invalid rlimit '{}': {}", text, why);
}

}  // namespace

Result<oci::Rlimit> parse_rlimit(std::string_view text) {
  auto equals = text.find('=');
  if (equals == std::string_view::npos) return invalid(text, "expected name=value");
  std::string_view name = text.substr(0, equals);
  std::string_view values = text.substr(equals + 1);
  auto type = oci_type(name);
  if (!type) return invalid(text, fmt::format("unknown resource '{}'", name));

  auto colon = values.find(':');
  std::string_view soft_text = values.substr(0, colon);
  std::string_view hard_text =
      colon == std::string_view::npos ? soft_text : values.substr(colon + 1);
  auto soft = parse_value(soft_text);
  if (!soft) return invalid(text, fmt::format("invalid value '{}'", soft_text));
  auto hard = parse_value(hard_text);
  if (!hard) return invalid(text, fmt::format("invalid value '{}'", hard_text));
  if (*soft > *hard) return invalid(text, "the soft limit is above the hard limit");
  return oci::Rlimit{std::string(*type), *hard, *soft};
}

}  // namespace dmc::process_tracker
