// The depot: the on-disk layout of dmc's containers, the single source of truth.
//
//   <root>/                          0700, default /var/lib/dmc; flock()ed shared by
//                                    create() while it makes and locks its temporary,
//                                    exclusively by leftovers() while it looks
//     .tmp-<handle>-<random>/        a container being built (0700), flock()ed by its
//                                    builder; renamed to <handle>/ when complete
//     <handle>/                      one per container; flock()ed while in use
//       spec.json                    the DesiredSpec as asked
//       config.json                  the OCI bundle written by the bundler
//       rootfs/                      overlay mount point (the container's /)
//       upper/  work/                overlay upper and work dirs
//       init.pid                     the runtime's pid file for the container's init
//       state.json                   ContainerState: written "creating", with the
//                                    runtime and its root, before the runtime is
//                                    called; "running", with the init's pid and
//                                    start time, once the init runs; "stopped"
//                                    after a stop, "paused" by a pause
//       properties.json              string -> string, written on every change
//       processes/<id>/              one per process (process_tracker)
//       events.log  events.1.log     the container's event journal (journal/journal.hpp)
//       services/                    its services and their supervisor (supervisor/service_store.hpp)
//     .events/                       destroyed containers' journals (journal/archive.hpp)
//
// Every write is temp file -> rename (no fsync: see atomic_write_file). A
// container still "creating" (or, from older dmcs, without state.json) whose
// lock is free is a leftover of a killed create: incomplete, listed, and
// destroyed with the runtime its state names.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/name.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::depot {

namespace names {
inline constexpr std::string_view kTempPrefix = ".tmp-";
inline constexpr std::string_view kSpec = "spec.json";
inline constexpr std::string_view kConfig = "config.json";
inline constexpr std::string_view kRootfs = "rootfs";
inline constexpr std::string_view kUpper = "upper";
inline constexpr std::string_view kWork = "work";
inline constexpr std::string_view kState = "state.json";
inline constexpr std::string_view kInitPid = "init.pid";
inline constexpr std::string_view kProperties = "properties.json";
inline constexpr std::string_view kProcesses = "processes";
}  // namespace names

inline constexpr size_t kMaxHandleLength = kMaxNameLength;

// [A-Za-z0-9][A-Za-z0-9_.-]*, at most 128 characters.
inline Result<void> validate_handle(std::string_view handle) {
  return validate_name("handle", handle);
}

using Properties = std::map<std::string, std::string>;

// A property key is not empty and holds no '=' (`property H K=V` and
// `--property K=V` split at the first one) and no control character (a
// newline would break every line-based listing of properties).
Result<void> validate_property_key(std::string_view key);
// Every key of props, as above.
Result<void> validate_properties(const Properties& props);

// Paused is an intent, written by `pause` before it freezes the container:
// the container is paused while its freezer says so too (a stop killed
// while it held the cgroup frozen leaves a frozen one that was never paused).
enum class Status { Creating, Created, Running, Stopped, Paused };
std::string_view to_string(Status status);

struct ContainerState {
  Status status = Status::Created;
  int64_t created_at_ns = 0;  // wall clock, nanoseconds since the epoch
  int init_pid = 0;
  uint64_t init_start_time = 0;  // /proc/<pid>/stat starttime of the init; 0: not recorded
  std::string runtime = {};       // the runtime binary that made the container
  std::string runtime_root = {};  // its --root; empty in states written before it was kept
};

// What a new container directory holds before the runtime is involved.
struct NewContainer {
  std::string spec_json;
  std::string config_json;
  Properties properties;
  ContainerState state = {};  // "creating", with the runtime and its root
};

// An exclusive flock() on a container's directory, released on destruction.
class ContainerLock {
 public:
  ContainerLock() = default;
  explicit ContainerLock(UniqueFd fd) : fd_(std::move(fd)) {}
  [[nodiscard]] bool held() const { return fd_.valid(); }

 private:
  UniqueFd fd_;
};

class Depot {
 public:
  explicit Depot(std::string root);

  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] std::string dir(std::string_view handle) const;
  [[nodiscard]] std::string path(std::string_view handle, std::string_view name) const;

  // Creates the root (0700) if missing.
  Result<void> init() const;

  // Builds a container directory under a temporary name (rootfs/, upper/,
  // work/, processes/ and the files of `files`), then renames it to
  // <root>/<handle>. AlreadyExists ("handle 'x' already in use") when the
  // handle is taken, checked atomically by the rename. On failure nothing is
  // left. The returned lock is held on the renamed directory, whose
  // state.json is files.state ("creating"): the caller writes it again
  // when the container is complete.
  Result<ContainerLock> create(std::string_view handle, const NewContainer& files) const;

  // Blocks until this process holds the container's lock; NotFound if the
  // container does not exist or was removed while waiting.
  Result<ContainerLock> lock(std::string_view handle) const;
  // Like lock(), but Unavailable at once when someone else holds it.
  Result<ContainerLock> try_lock(std::string_view handle) const;
  // Like lock(), but Unavailable ("container 'h' is busy") when someone else
  // still holds it after wait.
  Result<ContainerLock> lock(std::string_view handle, std::chrono::milliseconds wait) const;

  [[nodiscard]] bool exists(std::string_view handle) const;

  // Every container directory, finished or not, sorted.
  Result<std::vector<std::string>> handles() const;
  // Names (relative to root) of temporaries and of unfinished containers
  // whose lock is free: the leftovers of crashed creates.
  Result<std::vector<std::string>> leftovers() const;
  // Handles of temporaries whose lock is free (a create killed before its
  // rename), sorted; they hold files only.
  Result<std::vector<std::string>> stray_temporaries() const;
  // Removes the free temporaries of handle; returns how many.
  Result<size_t> remove_temporaries(std::string_view handle) const;

  // Removes a container directory (or a leftover name); refuses to cross
  // into a mount that is still there. Missing is success.
  Result<void> remove(std::string_view name) const;

  // Its create has not finished: still "creating", or without state.json.
  [[nodiscard]] bool unfinished(std::string_view handle) const;

  Result<ContainerState> read_state(std::string_view handle) const;
  Result<void> write_state(std::string_view handle, const ContainerState& state) const;
  Result<Properties> read_properties(std::string_view handle) const;
  Result<void> write_properties(std::string_view handle, const Properties& props) const;

 private:
  std::string root_;
};

}  // namespace dmc::depot
