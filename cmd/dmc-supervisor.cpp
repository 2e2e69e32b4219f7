// dmc-supervisor --handle H: the supervisor of one container's services
// (supervisor/service_supervisor.hpp); dmc-supervisor --pod P: the pod
// supervisor that brings a pod up (supervisor/pods.hpp) and leaves once it
// runs or failed. dmc and dmcd start it, detached,
// when the container has services and none runs; it outlives them, like
// the shim, and leaves when the container or its last service goes, or on
// SIGTERM (the services keep running). Settings come from the environment
// (DMC_DEPOT, DMC_RUNTIME, DMC_STATE_ROOT, DMC_LOG_LEVEL), its log lines go
// to stderr (the services' supervisor.log).
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <string_view>

#include "supervisor/service_supervisor.hpp"
#include "wiring/wiring.hpp"

namespace {

int usage() {
  std::fputs("usage: dmc-supervisor --handle HANDLE | --pod POD\n", stderr);
  return 2;
}

// SIGTERM, SIGINT and SIGHUP end the loop through a signalfd.
int stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, signal);
  ::sigprocmask(SIG_BLOCK, &set, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return ::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

// The pod supervisor: one per pod (a second one leaves at once).
int supervise_pod(dmc::wiring::System& system, const std::string& pod, int stop_fd) {
  auto drove = system.pods().drive(pod, stop_fd);
  if (!drove) {
    system.logger().error("pod-supervisor.failed", drove.error(), {{"pod", pod}});
    return drove.error().kind == dmc::ErrorKind::NotFound ? 0 : 1;
  }
  system.logger().info("pod-supervisor.left", {{"pod", pod}});
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return usage();
  const std::string_view mode = argv[1];
  if (mode != "--handle" && mode != "--pod") return usage();
  const std::string handle = argv[2];
  if (::chdir("/") != 0) return 1;  // holds no directory busy
  int stop_fd = stop_signals();
  if (stop_fd < 0) return 1;
  auto settings = dmc::wiring::settings_from_env();
  settings.log_source = "dmc-supervisor";
  settings.long_lived = true;
  auto system = dmc::wiring::System::make(settings);
  if (!system) {
    std::fprintf(stderr, "dmc-supervisor: %s\n", system.error().message.c_str());
    return 1;
  }
  if (mode == "--pod") return supervise_pod(**system, handle, stop_fd);
  const auto& logger = (*system)->logger();
  dmc::supervisor::ServiceSupervisor supervisor((*system)->engine(), handle, logger);
  auto claimed = supervisor.claim();
  if (!claimed) {
    logger.error("supervisor.claim-failed", claimed.error(), {{"handle", handle}});
    return claimed.error().kind == dmc::ErrorKind::ContainerNotFound ? 0 : 1;
  }
  if (!*claimed) return 0;  // another supervisor runs for it
  auto ran = supervisor.run(stop_fd);
  if (!ran) {
    logger.error("supervisor.failed", ran.error(), {{"handle", handle}});
    return 1;
  }
  logger.info("supervisor.left", {{"handle", handle}});
  return 0;
}
