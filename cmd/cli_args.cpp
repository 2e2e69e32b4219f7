#include "cmd/cli_args.hpp"

#include <csignal>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>


namespace dmc::cli {
namespace {

Result<uint64_t> parse_unsigned(std::string_view what, std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end == text.data()) {
    return make_error(ErrorKind::Invalid, "invalid {} '{}': not a number", what, text);
  }
  if (end != text.data() + text.size()) {
    return make_error(ErrorKind::Invalid, "invalid {} '{}'", what, text);
  }
  return value;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Result<int> unit_shift(std::string_view text, std::string_view unit) {
  std::string u = lower(unit);
  if (u.ends_with("ib")) u.resize(u.size() - 2);
  else if (u.size() > 1 && u.ends_with("b")) u.resize(u.size() - 1);
  if (u.empty() || u == "b") return 0;
  if (u == "k") return 10;
  if (u == "m") return 20;
  if (u == "g") return 30;
  if (u == "t") return 40;
  return make_error(ErrorKind::Invalid,
                    "invalid size '{}': use a number of bytes, or with K, M, G or T", text);
}

}  // namespace

Result<uint64_t> parse_size(std::string_view text) {
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits == 0) {
    return make_error(ErrorKind::Invalid, "invalid size '{}': must start with a number", text);
  }
  DMC_TRY(number, parse_unsigned("size", text.substr(0, digits)));
  DMC_TRY(shift, unit_shift(text, text.substr(digits)));
  if (number > (std::numeric_limits<uint64_t>::max() >> shift)) {
    return make_error(ErrorKind::Invalid, "invalid size '{}': too large", text);
  }
  return number << shift;
}

Result<int64_t> parse_count(std::string_view what, std::string_view text, int64_t min,
                            int64_t max) {
  DMC_TRY(value, parse_unsigned(what, text));
  if (value < static_cast<uint64_t>(min) || value > static_cast<uint64_t>(max)) {
    return make_error(ErrorKind::Invalid, "invalid {} '{}': must be from {} to {}", what,
                      text, min, max);
  }
  return static_cast<int64_t>(value);
}

Result<std::pair<std::string, std::string>> parse_key_value(std::string_view what,
                                                            std::string_view text) {
  auto eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    return make_error(ErrorKind::Invalid, "invalid {} '{}': expected KEY=VALUE", what, text);
  }
  return std::pair{std::string(text.substr(0, eq)), std::string(text.substr(eq + 1))};
}

Result<std::map<std::string, std::string>> parse_key_values(
    std::string_view what, const std::vector<std::string>& texts) {
  std::map<std::string, std::string> out;
  for (const auto& text : texts) {
    DMC_TRY(kv, parse_key_value(what, text));
    out[kv.first] = kv.second;
  }
  return out;
}

Result<std::pair<std::string, std::string>> parse_property(std::string_view text) {
  DMC_TRY(kv, parse_key_value("property", text));
  DMC_CHECK(containerizer::validate_property_key(kv.first));
  return kv;
}

Result<std::map<std::string, std::string>> parse_properties(const std::vector<std::string>& texts) {
  std::map<std::string, std::string> out;
  for (const auto& text : texts) {
    DMC_TRY(kv, parse_property(text));
    out[kv.first] = kv.second;
  }
  return out;
}

Result<int> parse_signal(std::string_view text) {
  static const std::pair<std::string_view, int> kSignals[] = {
      {"HUP", SIGHUP},   {"INT", SIGINT},   {"QUIT", SIGQUIT}, {"KILL", SIGKILL},
      {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"STOP", SIGSTOP},
      {"CONT", SIGCONT}, {"ALRM", SIGALRM}, {"WINCH", SIGWINCH}, {"PIPE", SIGPIPE},
  };
  std::string name = lower(text);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (auto [n, number] : kSignals) {
    if (name == n) return number;
  }
  auto number = parse_count("signal", text, 1, 64);
  if (number) return static_cast<int>(*number);
  return make_error(ErrorKind::Invalid,
                    "invalid signal '{}': use a name like TERM, KILL, HUP, INT, USR1, or a number",
                    text);
}

Result<containerizer::BindMount> parse_bind_mount(std::string_view text) {
  auto bad = [&] {
    return make_error(ErrorKind::Invalid, "invalid bind mount '{}': expected SRC:DST[:ro|:rw]",
                      text);
  };
  auto first = text.find(':');
  if (first == std::string_view::npos || first == 0) return bad();
  containerizer::BindMount mount;
  mount.source = std::string(text.substr(0, first));
  auto rest = text.substr(first + 1);
  auto second = rest.find(':');
  mount.destination = std::string(rest.substr(0, second));
  if (mount.destination.empty()) return bad();
  if (second != std::string_view::npos) {
    auto mode = rest.substr(second + 1);
    if (mode != "ro" && mode != "rw") return bad();
    mount.read_only = mode == "ro";
  }
  return mount;
}

namespace {

std::optional<uint64_t> rlimit_value(std::string_view text) {
  if (lower(text) == "unlimited") return std::numeric_limits<uint64_t>::max();  // RLIM_INFINITY
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text.front()))) return std::nullopt;
  auto value = parse_unsigned("rlimit", text);
  return value ? std::optional(*value) : std::nullopt;
}

}  // namespace

Result<containerizer::Rlimit> parse_rlimit(std::string_view text) {
  auto invalid = [&](std::string_view why) {
    return make_error(ErrorKind::Invalid, "invalid rlimit '{}': {}", text, why);
  };
  auto equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) return invalid("expected name=value");
  std::string_view values = text.substr(equals + 1);
  auto colon = values.find(':');
  std::string_view soft_text = values.substr(0, colon);
  std::string_view hard_text = colon == std::string_view::npos ? soft_text : values.substr(colon + 1);
  auto soft = rlimit_value(soft_text);
  if (!soft) return invalid(fmt::format("invalid value '{}'", soft_text));
  auto hard = rlimit_value(hard_text);
  if (!hard) return invalid(fmt::format("invalid value '{}'", hard_text));
  return containerizer::Rlimit{std::string(text.substr(0, equals)), *hard, *soft};
}

Result<containerizer::Limits> parse_limits(const LimitArgs& args) {
  constexpr int64_t kAny = std::numeric_limits<int64_t>::max();
  containerizer::Limits limits;
  if (args.memory) {
    DMC_TRY(bytes, parse_size(*args.memory));
    limits.memory_bytes = bytes;
  }
  if (args.cpu_shares) {
    DMC_TRY(shares, parse_count("cpu shares", *args.cpu_shares, 0, kAny));
    limits.cpu_shares = static_cast<uint64_t>(shares);
  }
  if (args.pids) {
    DMC_TRY(pids, parse_count("pids limit", *args.pids, 0, kAny));
    limits.pids_max = pids;
  }
  DMC_CHECK(containerizer::check_limits(limits));
  return limits;
}

}  // namespace dmc::cli
