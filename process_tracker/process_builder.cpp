// ProcessSpec + the container's process template -> the OCI process for
// `runtime exec --process`, with Guardian's defaults (garden-protocol §4.11).
#include "process_tracker/process_builder.hpp"

#include <optional>

namespace dmc::process_tracker {
namespace {

constexpr std::string_view kRootPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::string_view kUserPath = "PATH=/usr/local/bin:/usr/bin:/bin";

std::string_view env_key(std::string_view entry) { return entry.substr(0, entry.find('=')); }

Result<void> check_env(const std::vector<std::string>& env, std::string_view what) {
  for (const auto& entry : env) {
    auto equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      return make_error(ErrorKind::Invalid, "{}: invalid entry '{}': expected KEY=VALUE", what,
                        entry);
    }
  }
  return {};
}

bool has_key(const std::vector<std::string>& env, std::string_view key) {
  for (const auto& entry : env) {
    if (env_key(entry) == key) return true;
  }
  return false;
}

// Each name once, where it was last given: a later entry removes an
// earlier one with the same key (Garden: `env` prints every entry, so
// overriding in place would leave the order of the first).
void merge_into(std::vector<std::string>& env, const std::vector<std::string>& more) {
  for (const auto& entry : more) {
    std::erase_if(env, [&](const std::string& e) { return env_key(e) == env_key(entry); });
    env.push_back(entry);
  }
}

Result<std::vector<std::string>> build_env(const ProcessSpec& spec, const oci::Process& container,
                                           const ResolvedUser& user) {
  DMC_CHECK(check_env(container.env, "container env"));
  DMC_CHECK(check_env(spec.env, "env"));
  std::vector<std::string> env;
  merge_into(env, container.env);
  merge_into(env, spec.env);
  if (!has_key(env, "PATH")) env.emplace_back(user.uid == 0 ? kRootPath : kUserPath);
  if (!has_key(env, "USER") && !user.name.empty()) env.push_back("USER=" + user.name);
  if (spec.tty && !has_key(env, "TERM")) env.emplace_back("TERM=xterm");  // as Garden, docker
  return env;
}

// A clean absolute path: "a/./b//../c" under "/home/x" -> "/home/x/a/c".
std::string absolute_dir(std::string_view dir, std::string_view base) {
  std::string joined = dir.starts_with('/') ? std::string(dir) : fmt::format("{}/{}", base, dir);
  std::vector<std::string_view> parts;
  std::string_view rest = joined;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (part == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
  }
  std::string out;
  for (auto part : parts) out += fmt::format("/{}", part);
  return out.empty() ? "/" : out;
}

// spec.dir (a relative one is taken from the home dir), else home, else "/".
std::string working_dir(const ProcessSpec& spec, const ResolvedUser& user) {
  std::string_view home = user.home.empty() ? "/" : std::string_view(user.home);
  return absolute_dir(spec.dir.empty() ? home : std::string_view(spec.dir), home);
}

// Root keeps the container's capabilities; anyone else keeps only its
// bounding and inheritable sets (Garden: CapInh and CapBnd as root's, the
// rest empty).
oci::Capabilities capabilities_for(const oci::Process& container, uint32_t uid) {
  if (uid == 0) return container.capabilities;
  oci::Capabilities caps;
  caps.bounding = container.capabilities.bounding;
  caps.inheritable = container.capabilities.inheritable;
  return caps;
}

}  // namespace

Result<oci::Process> build_process(const ProcessSpec& spec, const oci::Process& container,
                                   const std::string& rootfs) {
  if (spec.path.empty()) return make_error(ErrorKind::Invalid, "a process needs a path");
  DMC_TRY(user, resolve_user(rootfs, spec.user));
  DMC_TRY(env, build_env(spec, container, user));

  oci::Process process;
  process.args.reserve(spec.args.size() + 1);
  process.args.push_back(spec.path);
  process.args.insert(process.args.end(), spec.args.begin(), spec.args.end());
  process.env = std::move(env);
  process.user = oci::User{user.uid, user.gid, user.additional_gids};
  process.cwd = working_dir(spec, user);
  auto made = make_dirs_in_root(rootfs, process.cwd, user.uid, user.gid);
  if (!made) return made.error().wrap("create working directory");
  process.capabilities = capabilities_for(container, user.uid);
  process.rlimits = spec.rlimits;
  process.no_new_privileges = container.no_new_privileges;
  process.terminal = spec.tty;
  // runc sizes the pty before the process starts. crun 1.8's exec sizes it
  // from its parent after the fork, racing the child's execve: a program
  // that reads the size at once may see 0x0 (README, `--tty`).
  if (spec.tty) process.console_size = spec.window.value_or(oci::ConsoleSize{});
  return process;
}

}  // namespace dmc::process_tracker
