#include "common/oci.hpp"

#include <string_view>

#include "common/json_writer.hpp"

namespace dmc::oci {
namespace {

using json::key;
using json::string;
using json::string_member;
using json::strings;
using json::Writer;

// Lists that the spec treats as optional are left out when empty.
void optional_strings(Writer& w, std::string_view name, const std::vector<std::string>& values) {
  if (!values.empty()) strings(w, name, values);
}

void int64_member(Writer& w, std::string_view name, std::optional<int64_t> value) {
  if (!value) return;
  key(w, name);
  w.Int64(*value);
}

void write_user(Writer& w, const User& user) {
  key(w, "user");
  w.StartObject();
  key(w, "uid");
  w.Uint(user.uid);
  key(w, "gid");
  w.Uint(user.gid);
  if (!user.additional_gids.empty()) {
    key(w, "additionalGids");
    w.StartArray();
    for (uint32_t gid : user.additional_gids) w.Uint(gid);
    w.EndArray();
  }
  w.EndObject();
}

void write_console_size(Writer& w, const std::optional<ConsoleSize>& size) {
  if (!size) return;
  key(w, "consoleSize");
  w.StartObject();
  key(w, "height");
  w.Uint(size->height);
  key(w, "width");
  w.Uint(size->width);
  w.EndObject();
}

void write_capabilities(Writer& w, const Capabilities& caps) {
  key(w, "capabilities");
  w.StartObject();
  strings(w, "bounding", caps.bounding);
  strings(w, "effective", caps.effective);
  strings(w, "inheritable", caps.inheritable);
  strings(w, "permitted", caps.permitted);
  strings(w, "ambient", caps.ambient);
  w.EndObject();
}

void write_rlimits(Writer& w, const std::vector<Rlimit>& rlimits) {
  key(w, "rlimits");
  w.StartArray();
  for (const auto& r : rlimits) {
    w.StartObject();
    string_member(w, "type", r.type);
    key(w, "hard");
    w.Uint64(r.hard);
    key(w, "soft");
    w.Uint64(r.soft);
    w.EndObject();
  }
  w.EndArray();
}

void write_process(Writer& w, const Process& p) {
  w.StartObject();
  key(w, "terminal");
  w.Bool(p.terminal);
  write_console_size(w, p.console_size);
  write_user(w, p.user);
  strings(w, "args", p.args);
  strings(w, "env", p.env);
  string_member(w, "cwd", p.cwd);
  write_capabilities(w, p.capabilities);
  write_rlimits(w, p.rlimits);
  key(w, "noNewPrivileges");
  w.Bool(p.no_new_privileges);
  w.EndObject();
}

void write_root(Writer& w, const Root& root) {
  key(w, "root");
  w.StartObject();
  string_member(w, "path", root.path);
  key(w, "readonly");
  w.Bool(root.readonly);
  w.EndObject();
}

void write_mounts(Writer& w, const std::vector<Mount>& mounts) {
  key(w, "mounts");
  w.StartArray();
  for (const auto& m : mounts) {
    w.StartObject();
    string_member(w, "destination", m.destination);
    if (!m.type.empty()) string_member(w, "type", m.type);
    if (!m.source.empty()) string_member(w, "source", m.source);
    optional_strings(w, "options", m.options);
    w.EndObject();
  }
  w.EndArray();
}

void write_namespaces(Writer& w, const std::vector<Namespace>& namespaces) {
  key(w, "namespaces");
  w.StartArray();
  for (const auto& ns : namespaces) {
    w.StartObject();
    string_member(w, "type", ns.type);
    if (!ns.path.empty()) string_member(w, "path", ns.path);
    w.EndObject();
  }
  w.EndArray();
}

void write_devices(Writer& w, const std::vector<DeviceRule>& devices) {
  if (devices.empty()) return;
  key(w, "devices");
  w.StartArray();
  for (const auto& d : devices) {
    w.StartObject();
    key(w, "allow");
    w.Bool(d.allow);
    if (!d.type.empty()) string_member(w, "type", d.type);
    int64_member(w, "major", d.major);
    int64_member(w, "minor", d.minor);
    if (!d.access.empty()) string_member(w, "access", d.access);
    w.EndObject();
  }
  w.EndArray();
}

void write_memory(Writer& w, const Resources& r) {
  if (!r.memory_limit && !r.memory_swap) return;
  key(w, "memory");
  w.StartObject();
  int64_member(w, "limit", r.memory_limit);
  int64_member(w, "swap", r.memory_swap);
  w.EndObject();
}

void write_cpu(Writer& w, const Resources& r) {
  if (!r.cpu_shares) return;
  key(w, "cpu");
  w.StartObject();
  key(w, "shares");
  w.Uint64(*r.cpu_shares);
  w.EndObject();
}

void write_pids(Writer& w, const Resources& r) {
  if (!r.pids_limit) return;
  key(w, "pids");
  w.StartObject();
  int64_member(w, "limit", r.pids_limit);
  w.EndObject();
}

// The LinuxResources object, as in config.json and `runtime update --resources`.
void write_resources(Writer& w, const Resources& r) {
  w.StartObject();
  write_devices(w, r.devices);
  write_memory(w, r);
  write_cpu(w, r);
  write_pids(w, r);
  w.EndObject();
}

void uint_member(Writer& w, std::string_view name, std::optional<unsigned> value) {
  if (!value) return;
  key(w, name);
  w.Uint(*value);
}

void write_seccomp_args(Writer& w, const std::vector<SeccompArg>& args) {
  if (args.empty()) return;
  key(w, "args");
  w.StartArray();
  for (const auto& a : args) {
    w.StartObject();
    key(w, "index");
    w.Uint(a.index);
    key(w, "value");
    w.Uint64(a.value);
    key(w, "valueTwo");
    w.Uint64(a.value_two);
    string_member(w, "op", a.op);
    w.EndObject();
  }
  w.EndArray();
}

void write_seccomp_syscall(Writer& w, const SeccompSyscall& syscall) {
  w.StartObject();
  strings(w, "names", syscall.names);
  string_member(w, "action", syscall.action);
  uint_member(w, "errnoRet", syscall.errno_ret);
  write_seccomp_args(w, syscall.args);
  w.EndObject();
}

void write_seccomp(Writer& w, const std::optional<Seccomp>& seccomp) {
  if (!seccomp) return;
  key(w, "seccomp");
  w.StartObject();
  string_member(w, "defaultAction", seccomp->default_action);
  uint_member(w, "defaultErrnoRet", seccomp->default_errno_ret);
  optional_strings(w, "architectures", seccomp->architectures);
  key(w, "syscalls");
  w.StartArray();
  for (const auto& syscall : seccomp->syscalls) write_seccomp_syscall(w, syscall);
  w.EndArray();
  w.EndObject();
}

void write_linux(Writer& w, const Linux& linux_config) {
  key(w, "linux");
  w.StartObject();
  write_namespaces(w, linux_config.namespaces);
  key(w, "resources");
  write_resources(w, linux_config.resources);
  if (!linux_config.cgroups_path.empty()) {
    string_member(w, "cgroupsPath", linux_config.cgroups_path);
  }
  optional_strings(w, "maskedPaths", linux_config.masked_paths);
  optional_strings(w, "readonlyPaths", linux_config.readonly_paths);
  write_seccomp(w, linux_config.seccomp);
  w.EndObject();
}

void write_spec(Writer& w, const Spec& spec) {
  w.StartObject();
  string_member(w, "ociVersion", spec.oci_version);
  key(w, "process");
  write_process(w, spec.process);
  write_root(w, spec.root);
  if (!spec.hostname.empty()) string_member(w, "hostname", spec.hostname);
  write_mounts(w, spec.mounts);
  write_linux(w, spec.linux_);
  w.EndObject();
}

}  // namespace

std::string to_json(const Spec& spec) {
  return json::write([&](Writer& w) { write_spec(w, spec); });
}

std::string to_json(const Process& process) {
  return json::write([&](Writer& w) { write_process(w, process); });
}

std::string to_json(const Resources& resources) {
  return json::write([&](Writer& w) { write_resources(w, resources); });
}

}  // namespace dmc::oci
