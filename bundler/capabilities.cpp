#include "bundler/capabilities.hpp"

#include <charconv>

#include "common/fs.hpp"

namespace dmc::bundler {
namespace {

constexpr const char* kCapabilities[] = {
    "CAP_CHOWN",           "CAP_DAC_OVERRIDE",     "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
    "CAP_FSETID",          "CAP_KILL",             "CAP_SETGID",          "CAP_SETUID",
    "CAP_SETPCAP",         "CAP_LINUX_IMMUTABLE",  "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",       "CAP_NET_RAW",          "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",      "CAP_SYS_RAWIO",        "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",       "CAP_SYS_ADMIN",        "CAP_SYS_BOOT",        "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",    "CAP_SYS_TIME",         "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
    "CAP_LEASE",           "CAP_AUDIT_WRITE",      "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",    "CAP_MAC_ADMIN",        "CAP_SYSLOG",          "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",   "CAP_AUDIT_READ",       "CAP_PERFMON",         "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

}  // namespace

std::vector<std::string> all_capabilities() {
  return {std::begin(kCapabilities), std::end(kCapabilities)};
}

std::vector<std::string> capabilities_in(uint64_t mask) {
  std::vector<std::string> names;
  for (std::size_t bit = 0; bit < std::size(kCapabilities); ++bit) {
    if (mask & (uint64_t{1} << bit)) names.emplace_back(kCapabilities[bit]);
  }
  return names;
}

Result<uint64_t> bounding_set_from_status(std::string_view status) {
  constexpr std::string_view kKey = "\nCapBnd:";
  auto at = status.find(kKey);
  if (at == std::string_view::npos) {
    return make_error(ErrorKind::Invalid, "process status: no CapBnd line");
  }
  auto rest = status.substr(at + kKey.size());
  auto start = rest.find_first_not_of(" \t");
  if (start == std::string_view::npos) start = rest.size();
  uint64_t mask = 0;
  auto [end, ec] = std::from_chars(rest.data() + start, rest.data() + rest.size(), mask, 16);
  if (ec != std::errc{} || (end != rest.data() + rest.size() && *end != '\n')) {
    return make_error(ErrorKind::Invalid, "process status: malformed CapBnd line");
  }
  return mask;
}

std::vector<std::string> held_capabilities() {
  auto status = read_file("/proc/self/status");
  if (!status) return all_capabilities();
  auto mask = bounding_set_from_status(*status);
  return mask ? capabilities_in(*mask) : all_capabilities();
}

}  // namespace dmc::bundler
