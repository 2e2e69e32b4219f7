#include "supervisor/launch.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <fmt/format.h>

#include "common/child.hpp"
#include "common/clock.hpp"

namespace dmc::supervisor {

Result<pid_t> launch_supervisor(const LaunchConfig& launch, const std::vector<std::string>& args,
                                const std::string& log_path) {
  int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return sys_error(fmt::format("open {}", log_path));
  UniqueFd log(fd);
  std::vector<std::string> argv = {launch.program};
  argv.insert(argv.end(), args.begin(), args.end());
  return spawn_detached(
      {.argv = argv, .env = launch.env, .stdout_fd = log.get(), .stderr_fd = log.get()});
}

Result<UniqueFd> lock_file(const std::string& path, bool wait) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return sys_error(fmt::format("open {}", path));
  UniqueFd file(fd);
  int how = LOCK_EX | (wait ? 0 : LOCK_NB);
  while (::flock(file.get(), how) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return make_error(ErrorKind::Unavailable, "{} is held", path);
    return sys_error(fmt::format("lock {}", path));
  }
  return file;
}

void time_member(json::Writer& w, std::string_view key, int64_t ns) {
  json::key(w, key);
  if (ns == 0) {
    w.Null();
  } else {
    json::string(w, rfc3339(ns));
  }
}

void exit_status_member(json::Writer& w, std::optional<int> status) {
  json::key(w, "exit_status");
  if (status) {
    w.Int(*status);
  } else {
    w.Null();
  }
}

void probe_errors_member(json::Writer& w, std::string_view liveness,
                         std::string_view readiness, std::string_view startup) {
  json::key(w, "probe_errors");
  w.StartObject();
  json::string_member(w, "liveness", liveness);
  json::string_member(w, "readiness", readiness);
  json::string_member(w, "startup", startup);
  w.EndObject();
}

}  // namespace dmc::supervisor
