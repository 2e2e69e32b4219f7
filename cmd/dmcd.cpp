// dmcd: the Garden API server on dmc's depot. Flags and wiring only: the
// API is garden/, the engine the containerizer.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>

#include <cxxopts.hpp>
#include <uv.h>

#include "cmd/cli_args.hpp"
#include "common/fs.hpp"
#include "garden/api.hpp"
#include "garden/http_server.hpp"
#include "wiring/wiring.hpp"

namespace {

using namespace dmc;

constexpr int kExitUsage = 2;

struct Flags {
  wiring::Settings globals;
  std::string socket;
  std::string bind_ip;
  int bind_port = 0;
  int64_t default_grace_ns = 0;
  bool destroy_on_startup = false;
};

cxxopts::Options options() {
  cxxopts::Options o("dmcd", "dmcd: the Garden API server of dmc, on dmc's depot. Garden "
                             "clients (the Garden Go client, Concourse) use it as their "
                             "backend; `dmc` can work on the same depot at the same time.");
  o.add_options()
    ("socket", "unix socket to serve on (mode 0660)",
     cxxopts::value<std::string>()->default_value("/run/dmc/garden.sock"), "PATH")
    ("bind-ip", "also serve on TCP at this address (no TLS, no authentication: keep it on "
                "loopback)", cxxopts::value<std::string>(), "IP")
    ("bind-port", "TCP port, with --bind-ip (7777 is Garden's usual one)",
     cxxopts::value<int>(), "PORT")
    ("depot", "where containers live, shared with dmc",
     cxxopts::value<std::string>()->default_value("/var/lib/dmc"), "DIR")
    ("runtime", "OCI runtime of new containers: runc, crun or a path (default crun when "
                "installed, else runc)", cxxopts::value<std::string>(), "RUNTIME")
    ("state-root", "the runtime's state dir (default /run/dmc/<runtime>)",
     cxxopts::value<std::string>(), "DIR")
    ("default-rootfs", "rootfs of containers created without an image (default: dmc's "
                       "built-in busybox rootfs)", cxxopts::value<std::string>(), "DIR")
    ("default-grace-time", "containers idle this long are destroyed, unless they were "
                           "created with a grace time of their own; 0: never (e.g. 5m, 30s)",
     cxxopts::value<std::string>()->default_value("0"), "DURATION")
    ("max-containers", "refuse to create more containers than this; Capacity reports it",
     cxxopts::value<uint64_t>()->default_value("1024"), "N")
    ("destroy-containers-on-startup", "destroy every container of the depot before serving")
    ("log-level", "JSON log lines on stdout from this level: debug, info, error, fatal, off",
     cxxopts::value<std::string>()->default_value("info"), "LEVEL")
    ("version", "print dmcd's version")
    ("h,help", "show this help");
  return o;
}

Result<Flags> read_flags(const cxxopts::ParseResult& p) {
  Flags f;
  f.socket = p["socket"].as<std::string>();
  if (p.count("bind-ip") != p.count("bind-port")) {
    return make_error(ErrorKind::Invalid, "--bind-ip and --bind-port go together");
  }
  if (p.count("bind-ip")) {
    f.bind_ip = p["bind-ip"].as<std::string>();
    f.bind_port = p["bind-port"].as<int>();
    if (f.bind_port < 0 || f.bind_port > 65535) {
      return make_error(ErrorKind::Invalid, "invalid --bind-port {}", f.bind_port);
    }
  }
  f.globals.depot = p["depot"].as<std::string>();
  if (p.count("runtime")) f.globals.runtime = p["runtime"].as<std::string>();
  if (p.count("state-root")) f.globals.state_root = p["state-root"].as<std::string>();
  f.globals.log_level = p["log-level"].as<std::string>();
  if (p.count("default-rootfs")) f.globals.default_rootfs = p["default-rootfs"].as<std::string>();
  DMC_TRY(grace, cli::parse_duration(p["default-grace-time"].as<std::string>()));
  f.default_grace_ns = static_cast<int64_t>(grace.count()) * 1'000'000;
  f.globals.max_containers = p["max-containers"].as<uint64_t>();
  f.globals.log_source = "dmcd";
  f.globals.long_lived = true;
  f.destroy_on_startup = p.count("destroy-containers-on-startup") > 0;
  return f;
}

// Destroys every container of the depot (--destroy-containers-on-startup).
Result<void> destroy_all(containerizer::Containerizer& c, const Logger& logger) {
  DMC_TRY(handles, c.handles());
  for (const auto& h : handles) {
    auto destroyed = c.destroy(h);
    if (!destroyed) logger.error("startup.destroy-failed", destroyed.error(), {{"handle", h}});
    else logger.info("startup.destroyed", {{"handle", h}});
  }
  return {};
}

struct Stopper {
  garden::Server* server;
  uv_signal_t term;
  uv_signal_t interrupt;
  std::string socket;
};

void on_signal(uv_signal_t* handle, int) noexcept {
  auto* s = static_cast<Stopper*>(handle->data);
  s->server->close_listeners();
  if (!s->socket.empty()) ::unlink(s->socket.c_str());
  // Containers and processes run on; their shims keep their output.
  std::_Exit(0);
}

int serve(const Flags& flags) {
  ::signal(SIGPIPE, SIG_IGN);
  auto system = wiring::System::make(flags.globals);
  if (!system) {
    std::cerr << "dmcd: " << system.error().message << "\n";
    return 1;
  }
  auto& containerizer = (*system)->containerizer();
  Logger logger = (*system)->logger();
  if (flags.destroy_on_startup) {
    if (auto done = destroy_all(containerizer, logger); !done) {
      std::cerr << "dmcd: " << done.error().message << "\n";
      return 1;
    }
  }
  uv_loop_t* loop = uv_default_loop();
  garden::Api api(loop, containerizer, (*system)->services(), (*system)->pods(),
                  {.default_grace_ns = flags.default_grace_ns,
                   .max_containers = flags.globals.max_containers,
                   .depot = flags.globals.depot},
                  logger);
  garden::Server server(loop, api, {}, logger);
  api.serve_on(server);
  if (auto made = make_dirs(parent_of(flags.socket)); !made) {
    std::cerr << "dmcd: " << made.error().message << "\n";
    return 1;
  }
  if (auto listening = server.listen_unix(flags.socket, 0660); !listening) {
    std::cerr << "dmcd: " << listening.error().message << "\n";
    return 1;
  }
  if (!flags.bind_ip.empty()) {
    if (auto listening = server.listen_tcp(flags.bind_ip, flags.bind_port); !listening) {
      std::cerr << "dmcd: " << listening.error().message << "\n";
      return 1;
    }
  }
  Stopper stopper{&server, {}, {}, flags.socket};
  for (auto [sig, handle] : {std::pair{SIGTERM, &stopper.term}, {SIGINT, &stopper.interrupt}}) {
    uv_signal_init(loop, handle);
    handle->data = &stopper;
    uv_signal_start(handle, on_signal, sig);
  }
  api.resume([&] { logger.info("started", {{"socket", flags.socket}}); });
  return uv_run(loop, UV_RUN_DEFAULT);
}

}  // namespace

int main(int argc, char** argv) {
  auto o = options();
  try {
    auto parsed = o.parse(argc, argv);
    if (parsed.count("help")) {
      std::cout << o.help();
      return 0;
    }
    if (parsed.count("version")) {
      std::cout << "dmcd " << DMC_VERSION << "\n";
      return 0;
    }
    if (!parsed.unmatched().empty()) {
      std::cerr << "dmcd: unexpected argument '" << parsed.unmatched().front() << "'\n";
      return kExitUsage;
    }
    auto flags = read_flags(parsed);
    if (!flags) {
      std::cerr << "dmcd: " << flags.error().message << "\n";
      return kExitUsage;
    }
    return serve(*flags);
  } catch (const cxxopts::exceptions::exception& e) {
    std::cerr << "dmcd: " << e.what() << "\n";
    return kExitUsage;
  }
}
