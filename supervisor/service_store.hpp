// A container's services on disk, in its depot directory:
//
//   <depot>/<handle>/services/
//       supervisor.lock     flock'ed by the container's supervisor for its life
//       spawn.lock          flock'ed while a supervisor is started or leaves
//       supervisor.log      the supervisor's log lines
//       supervisor.pid      "<pid> <start time>" of the supervisor (a claim, proven before use)
//       <name>/
//           service.json    the ServiceSpec, written once by add
//           control.json    what is asked (Control), changed under control.lock
//           control.lock
//           status.json     what the supervisor knows (Status), its file alone
//
// A service appears whole (made under a temporary name, renamed into place).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "supervisor/service.hpp"
#include "supervisor/service_state.hpp"

namespace dmc::supervisor {

namespace files {
inline constexpr std::string_view kServices = "services";
inline constexpr std::string_view kSupervisorLock = "supervisor.lock";
inline constexpr std::string_view kSpawnLock = "spawn.lock";
inline constexpr std::string_view kSupervisorLog = "supervisor.log";
inline constexpr std::string_view kSupervisorPid = "supervisor.pid";
inline constexpr std::string_view kService = "service.json";
inline constexpr std::string_view kControl = "control.json";
inline constexpr std::string_view kControlLock = "control.lock";
inline constexpr std::string_view kStatus = "status.json";
}  // namespace files

class ServiceStore {
 public:
  // container_dir: <depot>/<handle>; handle names the container in errors.
  ServiceStore(std::string container_dir, std::string handle);

  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] const std::string& handle() const { return handle_; }
  [[nodiscard]] std::string path(std::string_view file) const;
  [[nodiscard]] std::string path(const std::string& name, std::string_view file) const;

  // AlreadyExists when the container has a service of that name.
  Result<void> add(const ServiceSpec& spec);
  // The services' names, sorted.
  Result<std::vector<std::string>> names() const;
  // NotFound "service 'x' not found in container 'h'".
  Result<void> check(const std::string& name) const;
  Result<ServiceSpec> spec(const std::string& name) const;
  Result<Control> control(const std::string& name) const;
  // Changes the control under its lock; returns it as written.
  Result<Control> update_control(const std::string& name,
                                 const std::function<void(Control&)>& change) const;
  // A service never looked at by its supervisor has the default Status.
  Result<Status> status(const std::string& name) const;
  Result<void> write_status(const std::string& name, const Status& status) const;
  Result<void> remove(const std::string& name) const;

  // An flock on one of the lock files (made when missing): blocking, or
  // Unavailable at once when another holds it and !wait.
  Result<UniqueFd> lock(std::string_view file, bool wait) const;

 private:
  std::string dir_;
  std::string handle_;
};

}  // namespace dmc::supervisor
