// The namespaces of a container's init, for what must work inside them (a
// probe's socket in the container's network namespace).
#include <fcntl.h>

#include <algorithm>
#include <array>

#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {
namespace {

constexpr std::array<std::string_view, 7> kNamespaceTypes = {"net", "mnt",  "pid",   "ipc",
                                                             "uts", "user", "cgroup"};

}  // namespace

Result<UniqueFd> Containerizer::open_namespace(const std::string& handle,
                                               std::string_view type) const {
  if (std::find(kNamespaceTypes.begin(), kNamespaceTypes.end(), type) == kNamespaceTypes.end()) {
    return make_error(ErrorKind::Invalid, "unknown namespace type '{}'", type);
  }
  DMC_TRY(record, running_record(handle));
  auto proc_fd = proc::open_proven(init_claim(handle, record));
  if (!proc_fd) {
    return make_error(ErrorKind::ContainerNotRunning, "container {} is not running: {}", handle,
                      proc_fd.error().message);
  }
  // Through the proven fd: it cannot reach another process that took the pid.
  const std::string path = fmt::format("ns/{}", type);
  UniqueFd ns(::openat(proc_fd->get(), path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return sys_error(fmt::format("container {}: open {} namespace", handle, type));
  // Still alive after the open: the fd is of the init's namespace.
  if (!proc::start_time_at(proc_fd->get())) {
    return make_error(ErrorKind::ContainerNotRunning,
                      "container {} is not running: its init exited", handle);
  }
  return ns;
}

}  // namespace dmc::containerizer
