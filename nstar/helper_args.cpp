#include "nstar/helper_args.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>

namespace dmc::nstar {
namespace {

std::string join_ids(const std::vector<uint32_t>& ids) {
  std::string out;
  for (uint32_t id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

template <class T>
Result<T> parse_number(const std::string& flag, std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorKind::Invalid, "{}: not a number: '{}'", flag, text);
  }
  return value;
}

Result<std::vector<uint32_t>> parse_ids(std::string_view text) {
  std::vector<uint32_t> ids;
  while (!text.empty()) {
    auto comma = text.find(',');
    DMC_TRY(id, parse_number<uint32_t>("--groups", text.substr(0, comma)));
    ids.push_back(id);
    text = comma == std::string_view::npos ? "" : text.substr(comma + 1);
  }
  return ids;
}

Result<Direction> parse_direction(const std::string& word) {
  if (word == "in") return Direction::In;
  if (word == "out") return Direction::Out;
  return make_error(ErrorKind::Invalid, "expected 'in' or 'out', got '{}'", word);
}

// --flag value pairs, each flag exactly once.
Result<std::map<std::string, std::string>> parse_flags(const std::vector<std::string>& args) {
  static const char* const known[] = {"--pid", "--start", "--cgroup", "--uid", "--gid", "--groups", "--home", "--path"};
  std::map<std::string, std::string> flags;
  for (size_t i = 1; i < args.size(); i += 2) {
    if (std::find(std::begin(known), std::end(known), args[i]) == std::end(known)) {
      return make_error(ErrorKind::Invalid, "unknown argument '{}'", args[i]);
    }
    if (i + 1 >= args.size()) return make_error(ErrorKind::Invalid, "{} needs a value", args[i]);
    if (!flags.emplace(args[i], args[i + 1]).second) {
      return make_error(ErrorKind::Invalid, "{} given twice", args[i]);
    }
  }
  for (const char* flag : known) {
    if (!flags.contains(flag)) return make_error(ErrorKind::Invalid, "missing {}", flag);
  }
  return flags;
}

}  // namespace

std::vector<std::string> helper_argv(const std::string& helper_path, const HelperArgs& args) {
  return {helper_path,
          args.direction == Direction::In ? "in" : "out",
          "--pid", std::to_string(args.init.pid),
          "--start", std::to_string(args.init.start_time),
          "--cgroup", args.init.cgroup,
          "--uid", std::to_string(args.user.uid),
          "--gid", std::to_string(args.user.gid),
          "--groups", join_ids(args.user.groups),
          "--home", args.user.home,
          "--path", args.path};
}

Result<HelperArgs> parse_helper_args(const std::vector<std::string>& args) {
  if (args.empty()) return make_error(ErrorKind::Invalid, "expected 'in' or 'out'");
  HelperArgs out;
  DMC_TRY(direction, parse_direction(args[0]));
  DMC_TRY(flags, parse_flags(args));
  DMC_TRY(pid, parse_number<int>("--pid", flags["--pid"]));
  if (pid <= 0) return make_error(ErrorKind::Invalid, "--pid: not a process id: {}", pid);
  DMC_TRY(start, parse_number<uint64_t>("--start", flags["--start"]));
  DMC_TRY(uid, parse_number<uint32_t>("--uid", flags["--uid"]));
  DMC_TRY(gid, parse_number<uint32_t>("--gid", flags["--gid"]));
  DMC_TRY(groups, parse_ids(flags["--groups"]));
  out.direction = direction;
  out.init = proc::Claim{.pid = pid, .start_time = start, .cgroup = flags["--cgroup"]};
  out.user = StreamUser{uid, gid, std::move(groups), flags["--home"]};
  out.path = flags["--path"];
  return out;
}

int exit_status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Invalid: return 2;
    case ErrorKind::NotFound: return 3;
    case ErrorKind::AlreadyExists: return 4;
    case ErrorKind::Unavailable: return 5;
    case ErrorKind::ContainerNotRunning: return 6;
    default: return 1;
  }
}

ErrorKind kind_for_exit_status(int status) {
  switch (status) {
    case 2: return ErrorKind::Invalid;
    case 3: return ErrorKind::NotFound;
    case 4: return ErrorKind::AlreadyExists;
    case 5: return ErrorKind::Unavailable;
    case 6: return ErrorKind::ContainerNotRunning;
    default: return ErrorKind::Internal;
  }
}

}  // namespace dmc::nstar
