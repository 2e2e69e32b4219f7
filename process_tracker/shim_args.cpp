#include <charconv>
#include <climits>

#include "process_tracker/shim.hpp"

namespace dmc::process_tracker {
namespace {

Result<uint64_t> number(std::string_view flag, std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return make_error(ErrorKind::Invalid, "{}: not a number: '{}'", flag, text);
  }
  return value;
}

}  // namespace

Result<ShimOptions> parse_shim_args(const std::vector<std::string>& args) {
  ShimOptions o;
  size_t i = 0;
  auto value = [&](std::string_view flag) -> Result<std::string> {
    if (i + 1 >= args.size()) return make_error(ErrorKind::Invalid, "{} needs a value", flag);
    return args[++i];
  };
  for (; i < args.size() && args[i] != "--"; ++i) {
    const auto& a = args[i];
    if (a == "--tty") {
      o.tty = true;
    } else if (a == "--dir" || a == "--journal") {
      DMC_TRY(v, value(a));
      (a == "--dir" ? o.dir : o.journal) = v;
    } else if (a == "--spool-cap" || a == "--ready-fd" || a == "--lock-fd" ||
               a == "--runtime-fd") {
      DMC_TRY(v, value(a));
      DMC_TRY(n, number(a, v));
      if (a == "--spool-cap") {
        o.spool_cap = n;
      } else if (n > static_cast<uint64_t>(INT_MAX)) {
        return make_error(ErrorKind::Invalid, "{}: not a file descriptor: '{}'", a, v);
      } else {
        (a == "--ready-fd" ? o.ready_fd : a == "--lock-fd" ? o.lock_fd : o.runtime_fd) =
            static_cast<int>(n);
      }
    } else {
      return make_error(ErrorKind::Invalid, "unknown argument '{}'", a);
    }
  }
  if (i < args.size()) o.runtime_argv.assign(args.begin() + static_cast<long>(i) + 1, args.end());
  if (o.dir.empty()) return make_error(ErrorKind::Invalid, "--dir is required");
  if (o.runtime_argv.empty()) return make_error(ErrorKind::Invalid, "no runtime command after --");
  if (o.spool_cap == 0) return make_error(ErrorKind::Invalid, "--spool-cap must be positive");
  return o;
}

std::vector<std::string> shim_args(const ShimOptions& o) {
  std::vector<std::string> args = {"--dir", o.dir, "--spool-cap", std::to_string(o.spool_cap)};
  if (o.tty) args.push_back("--tty");
  if (o.ready_fd >= 0) {
    args.push_back("--ready-fd");
    args.push_back(std::to_string(o.ready_fd));
  }
  if (o.lock_fd >= 0) {
    args.push_back("--lock-fd");
    args.push_back(std::to_string(o.lock_fd));
  }
  if (!o.journal.empty()) {
    args.push_back("--journal");
    args.push_back(o.journal);
  }
  if (o.runtime_fd >= 0) {
    args.push_back("--runtime-fd");
    args.push_back(std::to_string(o.runtime_fd));
  }
  args.push_back("--");
  args.insert(args.end(), o.runtime_argv.begin(), o.runtime_argv.end());
  return args;
}

}  // namespace dmc::process_tracker
