// The services the containerizer needs from other parts, declared here by
// their consumer; cmd/ wires in the real ones, tests may pass fakes.
#pragma once

#include <string>

#include "common/result.hpp"
#include "process_tracker/tracker.hpp"

namespace dmc::containerizer {

// The OCI runtime, as far as container lifecycles go.
class OciRuntime {
 public:
  virtual ~OciRuntime() = default;
  // Creates the container from bundle and starts its init, whose host pid
  // is written to pid_file.
  virtual Result<void> run(const std::string& id, const std::string& bundle,
                           const std::string& pid_file) = 0;
  // NotFound when the runtime does not know id; force kills a live init.
  virtual Result<void> remove(const std::string& id, bool force) = 0;
  // Changes a running container's resources (an OCI LinuxResources JSON).
  virtual Result<void> update(const std::string& id, const std::string& resources_json) = 0;
  // Freezes / thaws every process of a running container.
  virtual Result<void> pause(const std::string& id) = 0;
  virtual Result<void> resume(const std::string& id) = 0;
  [[nodiscard]] virtual std::string binary() const = 0;
  [[nodiscard]] virtual std::string state_root() const = 0;
};

// A runtime and the process tracker whose shims exec through it.
struct RuntimeKit {
  OciRuntime& runtime;
  const process_tracker::Tracker& tracker;
};

// The runtimes dmc drives. New containers are made with the chosen one; an
// existing container is always driven by the runtime that made it, with the
// state root it used: another runtime would not even see it.
class Runtimes {
 public:
  virtual ~Runtimes() = default;
  virtual RuntimeKit for_new() = 0;
  // As recorded in a container's state; an empty root (a state written
  // before roots were kept) means the chosen runtime's root.
  virtual Result<RuntimeKit> made_by(const std::string& binary, const std::string& root) = 0;
};

// What supervises a container's processes from above (supervisor/): told
// before a destroy, so that nothing restarts a process of it meanwhile.
class Supervision {
 public:
  virtual ~Supervision() = default;
  // Ends the container's supervisor, if one runs; an unknown container is fine.
  virtual Result<void> release(const std::string& handle) = 0;
};

// The copy-on-write root filesystem of a container.
class RootfsMounter {
 public:
  virtual ~RootfsMounter() = default;
  // Mounts image read-only below, upper and work above, on target.
  virtual Result<void> mount(const std::string& image, const std::string& upper,
                             const std::string& work, const std::string& target) = 0;
  // Unmounts target; not mounted is success.
  virtual Result<void> unmount(const std::string& target) = 0;
};

}  // namespace dmc::containerizer
