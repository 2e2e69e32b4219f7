#include "bundler/base_rule.hpp"

namespace dmc::bundler {
namespace {

std::vector<oci::Namespace> base_namespaces() {
  return {{"mount", ""}, {"uts", ""}, {"ipc", ""}, {"pid", ""}, {"network", ""}};
}

std::vector<oci::Mount> base_mounts() {
  return {
      {"/proc", "proc", "proc", {}},
      {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"}},
      {"/dev/pts", "devpts", "devpts",
       {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}},
      {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
      {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"}},
      {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"}},
      {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"}},
  };
}

// Docker's default capability set.
std::vector<std::string> default_capabilities() {
  return {"CAP_CHOWN",        "CAP_DAC_OVERRIDE",     "CAP_FSETID",      "CAP_FOWNER",
          "CAP_MKNOD",        "CAP_NET_RAW",          "CAP_SETGID",      "CAP_SETUID",
          "CAP_SETFCAP",      "CAP_SETPCAP",          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",   "CAP_KILL",             "CAP_AUDIT_WRITE"};
}

std::vector<std::string> masked_paths() {
  return {"/proc/asound",        "/proc/acpi",        "/proc/kcore",
          "/proc/keys",          "/proc/latency_stats", "/proc/timer_list",
          "/proc/timer_stats",   "/proc/sched_debug", "/proc/scsi",
          "/sys/firmware",       "/sys/devices/virtual/powercap"};
}

std::vector<std::string> readonly_paths() {
  return {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
}

oci::DeviceRule allow_char(int64_t major, std::optional<int64_t> minor) {
  return oci::DeviceRule{true, "c", major, minor, "rwm"};
}

// Deny everything, then allow the devices every container needs.
std::vector<oci::DeviceRule> device_rules() {
  return {
      oci::DeviceRule{false, "a", std::nullopt, std::nullopt, "rwm"},
      allow_char(1, 3),  // null
      allow_char(1, 5),  // zero
      allow_char(1, 7),  // full
      allow_char(1, 8),  // random
      allow_char(1, 9),  // urandom
      allow_char(5, 0),  // tty
      allow_char(5, 1),  // console
      allow_char(5, 2),  // ptmx
      allow_char(136, std::nullopt),  // pts/*
  };
}

oci::Process base_process() {
  oci::Process process;
  process.user = oci::User{0, 0, {}};
  process.cwd = "/";
  process.capabilities.bounding = default_capabilities();
  process.capabilities.effective = default_capabilities();
  process.capabilities.permitted = default_capabilities();
  process.capabilities.inheritable = default_capabilities();  // Garden's CapInh
  process.no_new_privileges = true;
  return process;
}

}  // namespace

Result<Bundle> BaseRule::apply(Bundle bundle, const DesiredSpec&) const {
  bundle.process = base_process();
  bundle.mounts = base_mounts();
  bundle.linux_.namespaces = base_namespaces();
  bundle.linux_.masked_paths = masked_paths();
  bundle.linux_.readonly_paths = readonly_paths();
  bundle.linux_.resources.devices = device_rules();
  return bundle;
}

}  // namespace dmc::bundler
