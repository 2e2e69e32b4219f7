// A pod's state in the depot, next to the containers it is made of:
//
//   <depot>/.pods/<P>/
//       pod.json         the canonical spec (pod_spec.hpp to_json), written once by up
//       status.json      PodStatus: the phase, each init container's record, the error
//       supervisor.lock  flock'ed by the pod's supervisor (dmc-supervisor --pod P) for its life
//       spawn.lock       flock'ed while a pod supervisor is started
//       supervisor.log   the pod supervisor's log lines
//       supervisor.pid   "<pid> <start time>" of the pod supervisor (a claim, proven before use)
//
// The pod's containers are ordinary containers named <P>-<container name>
// with the property pod=<P>; a pod appears whole (made under a temporary
// name, renamed into place).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "supervisor/pod_spec.hpp"

namespace dmc::supervisor {

namespace pod_files {
inline constexpr std::string_view kPods = ".pods";
inline constexpr std::string_view kSpec = "pod.json";
inline constexpr std::string_view kStatus = "status.json";
inline constexpr std::string_view kSupervisorLock = "supervisor.lock";
inline constexpr std::string_view kSpawnLock = "spawn.lock";
inline constexpr std::string_view kSupervisorLog = "supervisor.log";
inline constexpr std::string_view kSupervisorPid = "supervisor.pid";
}  // namespace pod_files

enum class PodPhase { Initializing, Running, Failed };
std::string_view to_string(PodPhase phase);

// One init container's run, as the pod supervisor recorded it.
struct InitRecord {
  std::string name = {};
  std::string process_id = {};  // set once its process runs; empty before
  int64_t started_ns = 0;
  int64_t finished_ns = 0;
  std::optional<int> exit_status = {};
};

struct PodStatus {
  PodPhase phase = PodPhase::Initializing;
  std::vector<InitRecord> inits;  // those started so far, in order
  size_t mains_made = 0;          // main containers made (with their service)
  std::string error;              // why the pod failed
};

std::string to_json(const PodStatus& status);
Result<PodStatus> pod_status_from_json(std::string_view text);

// <P>-<container>, checked to be a valid handle.
Result<std::string> pod_handle(const std::string& pod, const std::string& container);

class PodStore {
 public:
  PodStore(const std::string& depot, std::string pod);

  [[nodiscard]] const std::string& pod() const { return pod_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }
  [[nodiscard]] std::string path(std::string_view file) const;

  // Writes the spec and a fresh status; AlreadyExists when the pod exists.
  Result<void> create(const PodSpec& spec) const;
  // NotFound "pod 'x' not found".
  Result<void> check() const;
  Result<PodSpec> spec() const;
  Result<PodStatus> status() const;
  Result<void> write_status(const PodStatus& status) const;
  Result<void> remove() const;
  // An flock on one of the lock files: blocking, or Unavailable at once.
  Result<UniqueFd> lock(std::string_view file, bool wait) const;

 private:
  std::string pods_dir_;
  std::string pod_;
  std::string dir_;
};

// The pods of a depot, sorted.
Result<std::vector<std::string>> pod_names(const std::string& depot);

}  // namespace dmc::supervisor
