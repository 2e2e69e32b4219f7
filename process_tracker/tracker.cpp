#include "process_tracker/tracker.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/name.hpp"
#include "common/uuid.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/shim.hpp"

namespace dmc::process_tracker {
namespace {

std::string at(const std::string& dir, std::string_view name) {
  return fmt::format("{}/{}", dir, name);
}

// spec.json: what ps shows.
std::string spec_json(const std::string& id, const ProcessSpec& spec) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("id");
  w.String(id.c_str());
  w.Key("command");
  w.StartArray();
  w.String(spec.path.c_str());
  for (const auto& a : spec.args) w.String(a.c_str(), static_cast<rapidjson::SizeType>(a.size()));
  w.EndArray();
  w.Key("user");
  w.String(spec.user.c_str());
  w.Key("dir");
  w.String(spec.dir.c_str());
  w.Key("tty");
  w.Bool(spec.tty);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

// "ok <pid>" or "fail <status>" from the shim, or EOF if it died.
Result<std::string> read_ready(int fd) {
  std::string line;
  char c;
  while (line.size() < 64) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    line += c;
  }
  return line;
}

}  // namespace

Tracker::Tracker(TrackerConfig config, const ExecCommand& exec, Logger logger)
    : config_(std::move(config)), exec_(exec), logger_(std::move(logger)) {}

Result<std::string> Tracker::process_dir(const std::string& processes_dir,
                                         const std::string& id) const {
  DMC_CHECK(validate_name("process id", id));
  std::string dir = at(processes_dir, id);
  if (!path_exists(dir)) return make_error(ErrorKind::ProcessNotFound, "unknown process: {}", id);
  return dir;
}

Result<std::string> Tracker::make_process_dir(const std::string& processes_dir,
                                              const std::optional<std::string>& asked) const {
  std::string id;
  if (asked) {
    DMC_CHECK(validate_name("process id", *asked));
    id = *asked;
  } else {
    DMC_TRY(generated, uuid_v4());
    id = generated;
  }
  if (::mkdir(at(processes_dir, id).c_str(), 0700) < 0) {
    if (errno == EEXIST) {
      return make_error(ErrorKind::AlreadyExists, "process id '{}' already in use", id);
    }
    return sys_error(at(processes_dir, id));
  }
  return id;
}

Result<std::string> Tracker::start(const std::string& processes_dir,
                                   const std::string& container_id, const ProcessSpec& spec,
                                   const oci::Process& process) const {
  DMC_TRY(id, make_process_dir(processes_dir, spec.id));
  const std::string dir = at(processes_dir, id);
  auto started = [&]() -> Result<int> {
    DMC_CHECK(atomic_write_file(at(dir, names::kSpec), spec_json(id, spec)));
    DMC_CHECK(atomic_write_file(at(dir, names::kProcessJson), oci::to_json(process)));
    return spawn_shim(dir, container_id, spec);
  }();
  if (!started) {
    (void)remove_tree(dir);
    return started.error();
  }
  logger_.info("process.started",
               {{"handle", container_id}, {"id", id}, {"pid", std::to_string(*started)}});
  return id;
}

// Starts the shim and waits until the runtime has started the process.
Result<int> Tracker::spawn_shim(const std::string& dir, const std::string& container_id,
                                const ProcessSpec& spec) const {
  const bool tty = spec.tty;
  ExecArgs exec_args{.process_json = at(dir, names::kProcessJson),
                     .pid_file = at(dir, names::kPid),
                     .log_file = at(dir, names::kRuntimeLog),
                     .console_socket = std::nullopt};
  if (tty) exec_args.console_socket = std::string(names::kConsoleSocketPlaceholder);
  ShimOptions options{.dir = dir, .spool_cap = spec.spool_cap.value_or(config_.spool_cap), .tty = tty, .ready_fd = 1,
                      .runtime_argv = exec_.argv(container_id, exec_args)};
  std::vector<std::string> argv = {config_.shim_path};
  for (auto& a : shim_args(options)) argv.push_back(std::move(a));

  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe2");
  UniqueFd ready_read(p[0]), ready_write(p[1]);
  // Detached: the shim outlives us, in a session of its own.
  DMC_TRY(shim_pid, spawn_detached({.argv = argv, .stdout_fd = ready_write.get()}));
  ready_write.reset();
  logger_.debug("process.shim-started", {{"dir", dir}, {"pid", std::to_string(shim_pid)}});
  DMC_TRY(line, read_ready(ready_read.get()));
  if (line.starts_with("ok ")) return std::atoi(line.c_str() + 3);
  if (line.starts_with("fail ") && std::atoi(line.c_str() + 5) >= 0) {
    auto log = read_file(at(dir, names::kRuntimeLog)).value_or("");
    return exec_.failure(decode_wait_status(std::atoi(line.c_str() + 5)), log);
  }
  auto shim_log = read_file(at(dir, "shim.log")).value_or("");
  return make_error(ErrorKind::Internal, "dmc-shim died before the process started: {}", shim_log);
}

Result<std::optional<int>> read_exit_status(const std::string& dir) {
  auto text = read_file(at(dir, names::kExitStatus));
  if (!text && text.error().kind == ErrorKind::NotFound) return std::optional<int>();
  if (!text) return text.error();
  return std::optional<int>(std::atoi(text->c_str()));
}

}  // namespace dmc::process_tracker
