#include "cmd/wiring.hpp"

#include <unistd.h>

#include <climits>

namespace dmc::cli {

Result<InstallPaths> install_paths() {
  char exe[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) return sys_error("readlink /proc/self/exe");
  std::string bin(exe, static_cast<size_t>(n));
  bin.resize(bin.find_last_of('/'));
  // Installed, the helpers are in <prefix>/libexec/dmc beside <prefix>/bin;
  // in the build tree they are next to the binary. The rootfs is under
  // <prefix>/share, and the build tree has the same layout.
  std::string prefix = bin.substr(0, bin.find_last_of('/'));
  std::string helpers = prefix + "/libexec/dmc";
  if (::access((helpers + "/dmc-shim").c_str(), X_OK) != 0) helpers = bin;
  return InstallPaths{.init = helpers + "/dmc-init",
                      .shim = helpers + "/dmc-shim",
                      .nstar = helpers + "/dmc-nstar",
                      .default_rootfs = prefix + "/share/dmc/rootfs"};
}

System::System(Logger logger, depot::Depot depot, runrunc::RuntimeConfig runtime,
               bundler::Bundler bundler, const InstallPaths& paths)
    : logger_(std::move(logger)),
      depot_(std::move(depot)),
      runtimes_(std::move(runtime), {.shim_path = paths.shim}, logger_),
      bundler_(std::move(bundler)),
      stopper_(logger_),
      nstar_(paths.nstar) {
  containerizer_ = std::make_unique<containerizer::Containerizer>(
      depot_, bundler_, runtimes_, mounter_, stopper_, nstar_,
      containerizer::ContainerizerConfig{.default_image = paths.default_rootfs}, logger_);
}

Result<std::unique_ptr<System>> System::make(const GlobalOptions& options) {
  DMC_TRY(level, parse_log_level(options.log_level));
  Logger logger("dmc", level);
  DMC_TRY(paths, install_paths());
  DMC_TRY(config, options.runtime.empty()
                      ? runrunc::detect_default_runtime(options.state_root)
                      : runrunc::detect_runtime(options.runtime, options.state_root));
  auto bundler = bundler::make_bundler({.init_path = paths.init});
  return std::unique_ptr<System>(new System(std::move(logger), depot::Depot(options.depot),
                                            std::move(config), std::move(bundler), paths));
}

}  // namespace dmc::cli
