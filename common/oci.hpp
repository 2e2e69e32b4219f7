// The subset of the OCI runtime spec (1.0.x) that dmc writes: config.json for
// bundles and process.json for `runtime exec --process`. Plain values; the
// JSON serialisation follows the spec's key names exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dmc::oci {

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
};

struct Rlimit {
  std::string type;  // e.g. RLIMIT_NOFILE
  uint64_t hard = 0;
  uint64_t soft = 0;
};

struct Capabilities {
  std::vector<std::string> bounding, effective, inheritable, permitted, ambient;
};

struct ConsoleSize {
  unsigned height = 24;
  unsigned width = 80;
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  Capabilities capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = true;
};

struct Root {
  std::string path;
  bool readonly = false;
};

struct Mount {
  std::string destination;
  std::string type;
  std::string source;
  std::vector<std::string> options;
};

struct Namespace {
  std::string type;  // pid, network, mount, ipc, uts, user, cgroup
  std::string path;  // empty: a new namespace
};

struct DeviceRule {
  bool allow = false;
  std::string type;  // a, c, b
  std::optional<int64_t> major;
  std::optional<int64_t> minor;
  std::string access;  // rwm
};

struct Resources {
  std::optional<int64_t> memory_limit;
  std::optional<int64_t> memory_swap;
  std::optional<uint64_t> cpu_shares;
  std::optional<int64_t> pids_limit;
  std::vector<DeviceRule> devices;
};

// A condition on one argument of a system call. With SCMP_CMP_MASKED_EQ,
// value is the mask and value_two the value the masked argument must equal.
struct SeccompArg {
  unsigned index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_MASKED_EQ, ...
};

struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;               // SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...
  std::optional<unsigned> errno_ret;  // with SCMP_ACT_ERRNO
  std::vector<SeccompArg> args;     // all must hold
};

struct Seccomp {
  std::string default_action;
  std::optional<unsigned> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<SeccompSyscall> syscalls;
};

struct Linux {
  std::vector<Namespace> namespaces;
  Resources resources;
  std::string cgroups_path;
  std::vector<std::string> masked_paths;
  std::vector<std::string> readonly_paths;
  std::optional<Seccomp> seccomp;  // none: the runtime installs no filter
};

struct Spec {
  std::string oci_version = "1.0.2";
  Process process;
  Root root;
  std::string hostname;
  std::vector<Mount> mounts;
  Linux linux_;  // "linux" (a macro in GNU mode)
};

std::string to_json(const Spec& spec);        // config.json
std::string to_json(const Process& process);  // process.json
std::string to_json(const Resources& resources);  // `runtime update --resources`

}  // namespace dmc::oci
