#include "process_tracker/tracker.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/name.hpp"
#include "common/uuid.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/record.hpp"
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
  if (!spec.group.empty()) {
    w.Key("group");
    w.String(spec.group.c_str(), static_cast<rapidjson::SizeType>(spec.group.size()));
  }
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

// A record, built locked under a temporary name (layout.hpp); place()
// renames it into place.
Result<Tracker::NewRecord> Tracker::make_record(const std::string& processes_dir,
                                       const std::optional<std::string>& asked) const {
  NewRecord record;
  if (asked) {
    DMC_CHECK(validate_name("process id", *asked));
    record.id = *asked;
  } else {
    DMC_TRY(generated, uuid_v4());
    record.id = generated;
  }
  DMC_TRY(suffix, uuid_v4());
  record.dir = fmt::format("{}/{}{}-{}", processes_dir, names::kNewPrefix, record.id,
                           suffix.substr(0, 8));
  if (::mkdir(record.dir.c_str(), 0700) < 0) return sys_error(record.dir);
  record.lock = open_lock(record.dir, true);
  if (!record.lock || ::flock(record.lock.get(), LOCK_EX) < 0) {
    auto error = sys_error("lock " + record.dir);
    (void)remove_tree(record.dir);
    return error;
  }
  return record;
}

// Renames the record into place. A record of the same id that is lost (no
// shim owns it, no exit status, its process not running) gives its id up.
Result<void> Tracker::place(const std::string& processes_dir, NewRecord& record) const {
  const std::string dir = at(processes_dir, record.id);
  for (int attempt = 0;; ++attempt) {
    if (::renameat2(AT_FDCWD, record.dir.c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) == 0) {
      record.dir = dir;
      return {};
    }
    if (errno != EEXIST) return sys_error(dir);
    if (attempt > 0 || !give_up_lost(processes_dir, record.id)) {
      return make_error(ErrorKind::AlreadyExists, "process id '{}' already in use", record.id);
    }
  }
}

bool Tracker::give_up_lost(const std::string& processes_dir, const std::string& id) const {
  const std::string dir = at(processes_dir, id);
  // A record without a lock file never had a shim (or an older dmc made it).
  UniqueFd lock = open_lock(dir, true);
  if (!lock || ::flock(lock.get(), LOCK_EX | LOCK_NB) < 0) return false;
  if (path_exists(at(dir, names::kExitStatus)) || process_running(dir)) return false;
  auto suffix = uuid_v4();
  if (!suffix) return false;
  const std::string gone =
      fmt::format("{}/{}{}-{}", processes_dir, names::kNewPrefix, id, suffix->substr(0, 8));
  if (::rename(dir.c_str(), gone.c_str()) < 0) return false;
  (void)remove_tree(gone);
  logger_.info("process.lost-replaced", {{"id", id}});
  return true;
}

Result<std::string> Tracker::start(const std::string& processes_dir,
                                   const std::string& container_id, const ProcessSpec& spec,
                                   const oci::Process& process) const {
  DMC_TRY(record, make_record(processes_dir, spec.id));
  auto started = [&]() -> Result<int> {
    DMC_CHECK(atomic_write_file(at(record.dir, names::kSpec), spec_json(record.id, spec)));
    DMC_CHECK(atomic_write_file(at(record.dir, names::kProcessJson), oci::to_json(process)));
    DMC_CHECK(place(processes_dir, record));
    return spawn_shim(record.dir, container_id, spec, record.lock.get());
  }();
  if (!started) {
    (void)remove_tree(record.dir);
    return started.error();
  }
  logger_.info("process.started",
               {{"handle", container_id}, {"id", record.id}, {"pid", std::to_string(*started)}});
  return record.id;
}

// Starts the shim, handing it the record's lock, and waits until the
// runtime has started the process.
Result<int> Tracker::spawn_shim(const std::string& dir, const std::string& container_id,
                                const ProcessSpec& spec, int lock_fd) const {
  const bool tty = spec.tty;
  ExecArgs exec_args{.process_json = at(dir, names::kProcessJson),
                     .pid_file = at(dir, names::kPid),
                     .log_file = at(dir, names::kRuntimeLog),
                     .console_socket = std::nullopt,
                     .group = spec.group};
  if (tty) exec_args.console_socket = std::string(names::kConsoleSocketPlaceholder);
  ShimOptions options{.dir = dir, .spool_cap = spec.spool_cap.value_or(config_.spool_cap), .tty = tty, .ready_fd = 1,
                      .lock_fd = 0, .journal = parent_of(parent_of(dir)),
                      .runtime_argv = exec_.argv(container_id, exec_args)};
  auto program = exec_.program();  // open until the shim has exec'ed
  if (program) options.runtime_fd = program->get();
  std::vector<std::string> argv = {config_.shim_path};
  for (auto& a : shim_args(options)) argv.push_back(std::move(a));

  int p[2];
  if (::pipe2(p, O_CLOEXEC) < 0) return sys_error("pipe2");
  UniqueFd ready_read(p[0]), ready_write(p[1]);
  // Detached: the shim outlives us, in a session of its own.
  ChildSpec shim{.argv = argv, .stdin_fd = lock_fd, .stdout_fd = ready_write.get()};
  if (program) shim.inherit_fds = {program->get()};
  DMC_TRY(shim_pid, spawn_detached(shim));
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
