#include "wiring/parts.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <climits>

namespace dmc::wiring {

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
                      .supervisor = helpers + "/dmc-supervisor",
                      .default_rootfs = prefix + "/share/dmc/rootfs"};
}

// What a supervisor process is told: the same depot (absolute: it runs
// from /), runtime, state root and log level as this process.
std::vector<std::string> supervisor_env(const Settings& options) {
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
  char cwd[PATH_MAX];
  std::string depot = options.depot;
  if (!depot.starts_with('/') && ::getcwd(cwd, sizeof cwd)) depot = std::string(cwd) + "/" + depot;
  env.push_back("DMC_DEPOT=" + depot);
  if (!options.runtime.empty()) env.push_back("DMC_RUNTIME=" + options.runtime);
  if (!options.state_root.empty()) env.push_back("DMC_STATE_ROOT=" + options.state_root);
  env.push_back("DMC_LOG_LEVEL=info");
  return env;
}

System::Parts::Parts(Logger logger, depot::Depot depot, runrunc::RuntimeConfig runtime,
                     bundler::Bundler bundler, const InstallPaths& paths, const Settings& options)
    : logger_(std::move(logger)),
      depot_(std::move(depot)),
      runtimes_(std::move(runtime), {.shim_path = paths.shim}, logger_),
      bundler_(std::move(bundler)),
      stopper_(logger_),
      nstar_(paths.nstar) {
  const auto& image = options.default_rootfs.empty() ? paths.default_rootfs : options.default_rootfs;
  containerizer_ = std::make_unique<containerizer::Containerizer>(
      depot_, bundler_, runtimes_, mounter_, stopper_, nstar_,
      containerizer::ContainerizerConfig{.default_image = image,
                                         .max_containers = options.max_containers},
      logger_);
  engine_ = std::make_unique<supervisor::ContainerizerEngine>(*containerizer_);
  services_ = std::make_unique<supervisor::Services>(
      *engine_, supervisor::LaunchConfig{paths.supervisor, supervisor_env(options)}, logger_);
  containerizer_->set_supervision(services_.get());
  pods_ = std::make_unique<supervisor::Pods>(
      *containerizer_, *services_, options.depot,
      supervisor::LaunchConfig{paths.supervisor, supervisor_env(options)}, logger_);
}

namespace {

// Made once per call, a copy pays back below this size: crun (0.5 MB) gains
// 3 ms a call, runc (8.7 MB) would lose 3.6 ms (sealed_binary.hpp).
constexpr off_t kOneShotCopyMax = 2 << 20;

// Runtime calls run a sealed copy of the binary where it pays; where this
// kernel cannot make one, the binary by its path, as without. A one-shot
// command copies at its first runtime call (most commands make none).
void seal_runtime(runrunc::RuntimeConfig& config, bool long_lived, const Logger& logger) {
  struct stat st{};
  if (::stat(config.binary.c_str(), &st) < 0) return;
  if (!long_lived) {
    if (st.st_size <= kOneShotCopyMax) {
      config.sealed = std::make_shared<runrunc::SealedBinary>(config.binary);
    }
    return;
  }
  auto sealed = runrunc::SealedBinary::make(config.binary);
  if (!sealed) {
    logger.info("runtime.sealed-copy-unavailable", {{"error", sealed.error().message}});
    return;
  }
  config.sealed = std::move(*sealed);
}

}  // namespace

Result<std::unique_ptr<System>> System::make(const Settings& options) {
  DMC_TRY(level, parse_log_level(options.log_level));
  Logger logger(options.log_source, level);
  DMC_TRY(paths, install_paths());
  DMC_TRY(config, options.runtime.empty()
                      ? runrunc::detect_default_runtime(options.state_root)
                      : runrunc::detect_runtime(options.runtime, options.state_root));
  seal_runtime(config, options.long_lived, logger);
  auto bundler = bundler::make_bundler({.init_path = paths.init});
  auto parts = std::make_unique<Parts>(std::move(logger), depot::Depot(options.depot),
                                       std::move(config), std::move(bundler), paths, options);
  return std::unique_ptr<System>(new System(std::move(parts)));
}

System::System(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}
System::~System() = default;

containerizer::Containerizer& System::containerizer() { return *parts_->containerizer_; }
supervisor::Services& System::services() { return *parts_->services_; }
supervisor::Pods& System::pods() { return *parts_->pods_; }
supervisor::Engine& System::engine() { return *parts_->engine_; }
const Logger& System::logger() const { return parts_->logger_; }

}  // namespace dmc::wiring
