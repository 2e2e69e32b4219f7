// dmc-supervisor --handle H: the supervisor of one container's services
// (supervisor/service_supervisor.hpp). dmc and dmcd start it, detached,
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
  std::fputs("usage: dmc-supervisor --handle HANDLE\n", stderr);
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

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string_view(argv[1]) != "--handle") return usage();
  const std::string handle = argv[2];
  if (::chdir("/") != 0) return 1;  // holds no directory busy
  int stop_fd = stop_signals();
  if (stop_fd < 0) return 1;
  auto settings = dmc::wiring::settings_from_env();
  settings.log_source = "dmc-supervisor";
  auto system = dmc::wiring::System::make(settings);
  if (!system) {
    std::fprintf(stderr, "dmc-supervisor: %s\n", system.error().message.c_str());
    return 1;
  }
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
