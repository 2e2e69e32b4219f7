// Finding the runtime binary and what it needs on this host.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "common/child.hpp"
#include "runrunc/hybrid.hpp"
#include "runrunc/runtime.hpp"

namespace dmc::runrunc {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

bool is_executable_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto abs = std::filesystem::absolute(path, ec);
  return ec ? path : abs.lexically_normal().string();
}

Result<std::string> find_in_path(const std::string& name) {
  const char* env = std::getenv("PATH");
  std::string_view dirs = env && *env ? env : kDefaultPath;
  while (!dirs.empty()) {
    size_t end = dirs.find(':');
    std::string dir(dirs.substr(0, end));
    dirs = end == std::string_view::npos ? std::string_view() : dirs.substr(end + 1);
    if (dir.empty()) continue;
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return absolute(candidate);
  }
  return make_error(ErrorKind::NotFound, "runtime '{}' not found in PATH", name);
}

Result<std::string> resolve_binary(const std::string& name_or_path) {
  if (name_or_path.empty()) return make_error(ErrorKind::Invalid, "runtime: empty name");
  if (name_or_path.find('/') == std::string::npos) return find_in_path(name_or_path);
  if (::access(name_or_path.c_str(), X_OK) < 0) {
    return sys_error(fmt::format("runtime '{}'", name_or_path));
  }
  return absolute(name_or_path);
}

std::string basename_of(const std::string& path) {
  return path.substr(path.find_last_of('/') + 1);
}

// From the name when it is plainly runc or crun, else from `--version`,
// whose first line is "runc version 1.1.5" or "crun version 1.8.1".
Result<Flavor> flavor_of(const std::string& binary) {
  std::string name = basename_of(binary);
  if (name == "runc") return Flavor::Runc;
  if (name == "crun") return Flavor::Crun;
  DMC_TRY(out, run_child({.argv = {binary, "--version"}}));
  std::string first = out.out.substr(0, out.out.find('\n'));
  if (first.starts_with("runc version")) return Flavor::Runc;
  if (first.starts_with("crun version")) return Flavor::Crun;
  return make_error(ErrorKind::Invalid, "runtime '{}': neither runc nor crun: --version says '{}'",
                    binary, first);
}

std::string without_trailing_slashes(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

Result<RuntimeConfig> config_for(const std::string& binary, const std::string& state_root) {
  DMC_TRY(flavor, flavor_of(binary));
  std::string root = state_root.empty() ? "/run/dmc/" + basename_of(binary)
                                        : without_trailing_slashes(absolute(state_root));
  return RuntimeConfig{
      .binary = binary,
      .flavor = flavor,
      .state_root = root,
      .log_dir = root + "-logs",
      .hide_hybrid_controllers = flavor == Flavor::Crun && hybrid_controllers_visible(),
  };
}

}  // namespace

Result<RuntimeConfig> detect_runtime(const std::string& name_or_path,
                                     const std::string& state_root) {
  DMC_TRY(binary, resolve_binary(name_or_path));
  return config_for(binary, state_root);
}

Result<RuntimeConfig> detect_default_runtime(const std::string& state_root) {
  auto crun = find_in_path("crun");
  if (crun) return config_for(*crun, state_root);
  return detect_runtime("runc", state_root);
}

}  // namespace dmc::runrunc
