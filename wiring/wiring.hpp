// The wiring of dmc's parts, once, for every main (dmc, dmcd): the real
// depot, bundler, runtimes, rootfs mounter, stopper and nstar, built from
// Settings into one Containerizer. It knows no command line and prints
// nothing; every default is defined here.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/log.hpp"
#include "containerizer/containerizer.hpp"
#include "supervisor/pods.hpp"
#include "supervisor/services.hpp"

namespace dmc::wiring {

inline constexpr std::string_view kDefaultDepot = "/var/lib/dmc";
inline constexpr std::string_view kDefaultLogLevel = "error";

struct Settings {
  std::string depot = std::string(kDefaultDepot);
  std::string runtime;     // runc, crun or a path; empty: crun when installed, else runc
  std::string state_root;  // the runtime's --root; empty: /run/dmc/<runtime name>
  std::string log_level = std::string(kDefaultLogLevel);  // debug, info, error, fatal, off
  std::string default_rootfs;  // empty: the built-in busybox rootfs
  size_t max_containers = 0;   // 0: no limit
  std::string log_source = "dmc";
  // A process that makes many runtime calls (dmcd, dmc-supervisor): it keeps
  // one sealed copy of any runtime binary; a one-shot command only of a
  // small one (runrunc/sealed_binary.hpp).
  bool long_lived = false;
};

// The defaults, with DMC_DEPOT, DMC_RUNTIME, DMC_STATE_ROOT and
// DMC_LOG_LEVEL standing in for them when set and not empty.
Settings settings_from_env();

// Where dmc's own files are, found next to the running binary:
// <bin>/dmc-init and <bin>/../share/dmc/rootfs.
struct InstallPaths {
  std::string init;
  std::string shim;
  std::string nstar;
  std::string supervisor;
  std::string default_rootfs;
};
Result<InstallPaths> install_paths();

// Every real part, owned in one place, built in dependency order.
class System {
 public:
  static Result<std::unique_ptr<System>> make(const Settings& settings);
  ~System();
  System(const System&) = delete;
  System& operator=(const System&) = delete;

  containerizer::Containerizer& containerizer();
  // The services of containers, carried out by supervisor processes
  // (dmc-supervisor) that get these settings.
  supervisor::Services& services();
  // Pods of containers, brought up by pod supervisors (dmc-supervisor --pod).
  supervisor::Pods& pods();
  supervisor::Engine& engine();
  [[nodiscard]] const Logger& logger() const;

 private:
  struct Parts;
  explicit System(std::unique_ptr<Parts> parts);

  std::unique_ptr<Parts> parts_;
};

}  // namespace dmc::wiring
