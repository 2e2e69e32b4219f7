// The Containerizer composes depot, bundler, runtime and rootfs into the
// life of a container: Create, Destroy, Info, Handles. It is the one engine
// behind every front door: it checks every request (requests.hpp), and it
// may be called from several threads at once (a server's workers).
#pragma once

#include <poll.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundler/bundler.hpp"
#include "common/log.hpp"
#include "common/process_proof.hpp"
#include "common/unique_fd.hpp"
#include "containerizer/metrics.hpp"
#include "containerizer/ports.hpp"
#include "containerizer/requests.hpp"
#include "depot/depot.hpp"
#include "journal/follower.hpp"
#include "journal/journal.hpp"
#include "journal/reconcile.hpp"
#include "journal/replay.hpp"
#include "journal/time.hpp"
#include "nstar/nstar.hpp"
#include "process_tracker/process_spec.hpp"
#include "process_tracker/tracker.hpp"
#include "stopper/stopper.hpp"

namespace dmc::containerizer {

using ProcessInfo = process_tracker::ProcessInfo;
// Events, as the journal records them (journal/event.hpp, replay.hpp).
using Event = journal::Event;
using EventFilter = journal::Filter;
using EventFollower = journal::Follower;
using journal::human_line;
using journal::parse_rfc3339;
using journal::parse_time;

// A container as it is on the machine, not as its files say.
enum class State {
  Creating,    // a create is making it now
  Incomplete,  // a create was killed half way: destroy it
  Running,     // its init runs; processes may run in it
  Stopped,     // its init runs; StopAll ended the rest
  Paused,      // its init runs; pause froze every process of it
  Dead,        // its init is gone (killed, or the host restarted): destroy it; last
};
std::string_view to_string(State state);

struct ContainerInfo {
  std::string handle;
  State status = State::Running;
  std::string image;        // the lower layer
  std::string bundle_path;  // the container's depot dir (config.json)
  std::string rootfs_path;  // the container's / (overlay mount)
  int init_pid = 0;
  int64_t created_at_ns = 0;
  std::string runtime;
  bundler::Limits limits;
  bool privileged = false;
  depot::Properties properties;
  std::vector<std::string> events;  // "out of memory" once the kernel OOM-killed in it
};

// How long a request waits for a container that another command holds
// (a create, a run starting its shim, a stop in its grace period) before it
// fails Unavailable "container 'h' is busy".
inline constexpr std::chrono::milliseconds kLockWait = std::chrono::seconds(60);

struct ContainerizerConfig {
  std::string default_image = {};      // the built-in busybox rootfs
  std::string cgroup_parent = "/dmc";  // must match the bundler's
  size_t max_containers = 0;           // 0: no limit
  std::chrono::milliseconds lock_wait = kLockWait;
};

class Containerizer {
 public:
  Containerizer(const depot::Depot& depot, const bundler::Bundler& bundler,
                Runtimes& runtimes, RootfsMounter& mounter, const stopper::Stopper& stopper,
                const nstar::Nstar& nstar, ContainerizerConfig config, Logger logger);

  // Told before every destroy (wired by cmd/; none by default).
  void set_supervision(Supervision* supervision) { supervision_ = supervision; }

  // Either the container is running its init when this returns, or nothing
  // of it is left. Removes first what crashed creates left behind.
  // Unavailable "max containers reached" when the depot holds
  // max_containers containers already.
  Result<std::string> create(const CreateRequest& request);
  // Kills everything, deletes the runtime container, unmounts, removes the
  // cgroup and the depot dir. Repeating a half-done destroy finishes it.
  Result<void> destroy(const std::string& handle);
  // What the machine and the depot say of a container. Only reads: dmcd
  // calls it for every container on each BulkInfo and /metrics scrape, so
  // the journal is reconciled by the readers of events, not here.
  Result<ContainerInfo> info(const std::string& handle) const;
  // Its state alone, read as info() reads it, without the spec, properties
  // and events: what a supervisor asks on every tick.
  Result<State> status(const std::string& handle) const;
  // Where a container's depot directory is (or would be): a path only,
  // nothing read. Invalid for a handle that fails validation.
  Result<std::string> container_dir(const std::string& handle) const;
  // Every finished container whose properties include all of filter.
  Result<std::vector<std::string>> handles(const depot::Properties& filter = {}) const;
  // Removes what crashed creates left behind; returns how many.
  Result<size_t> clean_leftovers();

  // Processes: started under a shim, so that they outlive the caller. With
  // spec.group, the process runs in that group (below), made first if need be.
  Result<std::string> run(const std::string& handle, const process_tracker::ProcessSpec& spec);
  // A client of the process (process_tracker/attachment.hpp).
  Result<process_tracker::Attachment> open_attachment(
      const std::string& handle, const std::string& id,
      const process_tracker::StreamFds& fds) const;
  Result<void> signal(const std::string& handle, const std::string& id, int signal) const;
  Result<std::vector<process_tracker::ProcessInfo>> processes(const std::string& handle) const;
  // Removes the record of a finished process (its exit status, spooled
  // output), for callers that run many short processes (probes). Invalid
  // for a malformed id, ProcessNotFound for an unknown one, Unavailable
  // while the process runs or its shim still holds the record.
  Result<void> forget_process(const std::string& handle, const std::string& id) const;
  // An fd of the namespace `type` ("net", "mnt", ...) of the container's
  // init, opened only once the init is proven the container's own, and
  // proven again after opening (so the fd is not of a process that took a
  // dead init's pid). ContainerNotRunning when it is not running.
  Result<UniqueFd> open_namespace(const std::string& handle, std::string_view type) const;
  // StopAll: every process but the init ends; the container stays, stopped.
  Result<void> stop(const std::string& handle, const stopper::StopOptions& options);
  // Freezes every process of a running container (the runtime's pause);
  // a paused one stays paused. ContainerNotRunning for a stopped, dead or
  // half-made one. While paused, run is refused (ContainerNotRunning),
  // attach and signal work, stop and destroy thaw it first.
  Result<void> pause(const std::string& handle);
  // Thaws a paused container; a running one is left as it is.
  Result<void> resume(const std::string& handle);

  // Groups (groups.cpp): a group is a named sub-cgroup of the container's
  // cgroup, /dmc/<handle>/<group> in every hierarchy where the container's
  // cgroup is; run with spec.group makes it and starts the process in it,
  // and everything that process forks stays in it (a double fork too), so a
  // group is a whole process tree (a supervisor's service). A group name is
  // checked like a process id (letters, digits, '_', '.', '-', starting
  // with a letter or digit): Invalid otherwise, and nothing changes. These
  // take no long lock of the container (they run while other commands do)
  // and none waits for a grace period: TERM, wait, KILL is the caller's.
  // ContainerNotFound for an unknown handle, as everywhere.
  //
  // The host pids now in the group and the cgroups nested in it; a group
  // never made (or removed) has none: an empty list, not an error.
  Result<std::vector<int>> group_members(const std::string& handle,
                                         const std::string& group) const;
  // The signal to every member; a member that exits meanwhile is fine.
  Result<void> signal_group(const std::string& handle, const std::string& group,
                            int signal) const;
  // Freezes the group, SIGKILLs every member, thaws it, until no member is
  // left (bounded: Unavailable if some survive 30 s). ContainerNotRunning
  // for a paused container: a frozen process does not die.
  Result<void> kill_group(const std::string& handle, const std::string& group) const;
  // kill_group, then removes the group's directories in every hierarchy.
  // A group that does not exist is fine.
  Result<void> remove_group(const std::string& handle, const std::string& group) const;

  // Resources: what the cgroup says is in force and used.
  Result<bundler::Limits> limits(const std::string& handle) const;
  // Changes the limits that are given; the others stay as they are.
  Result<void> update_limits(const std::string& handle, const bundler::Limits& limits);
  Result<Metrics> metrics(const std::string& handle) const;
  // How often the kernel OOM-killed a process of the container, from its
  // cgroup's own counter.
  Result<uint64_t> oom_kills(const std::string& handle) const;

  // Files: a tar stream into destination / out of source, inside the
  // container, as user (empty: root; relative paths from the user's home).
  Result<void> stream_in(const std::string& handle, const std::string& user,
                         const std::string& destination, int tar_fd) const;
  Result<void> stream_out(const std::string& handle, const std::string& user,
                          const std::string& source, int out_fd) const;

  // Properties: string -> string, stored atomically on every change.
  Result<depot::Properties> properties(const std::string& handle) const;
  Result<std::string> property(const std::string& handle, const std::string& key) const;
  Result<void> set_property(const std::string& handle, const std::string& key,
                            const std::string& value);
  // A missing key is fine (Guardian ignores it too).
  Result<void> remove_property(const std::string& handle, const std::string& key);

  // Events (events.cpp, journal/): first reconciles the journals of the live
  // containers filter names (all when it names none) with the machine, then
  // replays the recorded events of live and destroyed containers, oldest
  // first. ContainerNotFound for a handle with no journal, live or archived.
  Result<std::vector<journal::Event>> events(const journal::Filter& filter) const;
  // ContainerNotFound unless handle has a journal, live or archived.
  Result<void> check_journal(const std::string& handle) const;
  // Follows the journals filter names (all when none): events recorded
  // from now on (journal/follower.hpp). Reconciling is the caller's: call
  // reconcile_events now and then (OOM kills and an init's death are seen
  // by reconcile only).
  Result<journal::Follower> follow_events(const journal::Filter& filter) const;
  // Appends to the journals of the live containers filter names (all when
  // none) what the machine shows and the journal lacks (OOM kills, lost
  // exits, the init's death); failures are logged.
  void reconcile_events(const journal::Filter& filter) const;
  void reconcile_events(const std::string& handle) const;
  // Appends an event that a layer above saw happen (a service restarted,
  // a probe failed) to a live container's journal; a failure is logged.
  void record_event(const std::string& handle, std::string_view type,
                    const journal::Fields& fields) const;
  // How many events this containerizer appended itself (create, stop,
  // update, pause, resume, destroy) since it was made; the shims record
  // start-process and exit, and a reconcile what nobody recorded.
  [[nodiscard]] uint64_t events_recorded() const {
    return recorded_.load(std::memory_order_relaxed);
  }
  // The events filter matches (see events()), given to sink in batches;
  // then, when follow, the new ones as they are recorded (reconciling once
  // a second), until stop (a pollfd) shows readiness or an error, or
  // filter.until_ns passes, or sink returns false. Each event is given once.
  using EventSink = std::function<bool(const std::vector<Event>&)>;
  Result<void> stream_events(const EventFilter& filter, bool follow, pollfd stop,
                             const EventSink& sink) const;

 private:
  [[nodiscard]] journal::Journal journal_of(const std::string& handle) const;
  // Appends an event of an operation that succeeded; a failure is logged.
  void record(const std::string& handle, std::string_view type,
              const journal::Fields& fields = {}) const;
  void record_stop(const std::string& handle, bool kill) const;
  void record_update(const std::string& handle, const bundler::Limits& given) const;
  [[nodiscard]] journal::Observed observed(const std::string& handle, bool with_init) const;
  Result<void> archive_journal(const std::string& handle, int64_t created_ns);
  Result<bundler::DesiredSpec> desired_spec(const CreateRequest& request,
                                            const std::string& handle) const;
  Result<void> start_container(const std::string& handle, const std::string& image,
                               depot::ContainerState state);
  Result<std::vector<std::string>> events_of(const std::string& handle) const;
  [[nodiscard]] proc::Claim init_to_kill(const std::string& handle,
                                         const depot::ContainerState* record) const;
  Result<void> tear_down(const std::string& handle);
  Result<void> remove_from_runtime(OciRuntime& runtime, const std::string& handle,
                                   bool init_dead);
  Result<void> check_exists(const std::string& handle) const;
  // The container's lock, waited for at most config_.lock_wait.
  Result<depot::ContainerLock> lock(const std::string& handle) const;
  // Makes the container's directory, unless max_containers are there.
  Result<depot::ContainerLock> make_dir(const std::string& handle,
                                        const depot::NewContainer& files);
  // The runtime that made a container, the one that can run, update and
  // delete it.
  Result<RuntimeKit> runtime_of(const depot::ContainerState& state) const;
  // For what does not depend on the runtime: attach, signal, list, stop.
  [[nodiscard]] const process_tracker::Tracker& tracker() const;
  [[nodiscard]] std::string cgroup_path(const std::string& handle) const;
  [[nodiscard]] std::string processes_dir(const std::string& handle) const;
  // The cgroup path of a group: /dmc/<handle>/<group>.
  [[nodiscard]] std::string group_path(const std::string& handle,
                                       const std::string& group) const;
  // Makes the group's directory in every hierarchy where the container's
  // cgroup is, idempotently (cpuset's copied from the container's).
  Result<void> make_group(const std::string& handle, const std::string& group) const;
  // The checks every group operation starts with.
  Result<void> check_group_of(const std::string& handle, const std::string& group) const;
  // liveness.cpp: what is true of a container on the machine.
  [[nodiscard]] proc::Claim init_claim(const std::string& handle,
                                       const depot::ContainerState& record) const;
  // Its create finished and its init is still the process it recorded;
  // ContainerNotRunning, saying which, otherwise.
  Result<void> prove_running(const std::string& handle,
                             const depot::ContainerState& record) const;
  // The record, for a container that runs (see prove_running).
  Result<depot::ContainerState> running_record(const std::string& handle) const;
  // Paused: recorded so by pause, and frozen (a stop killed while it held
  // the cgroup frozen leaves a frozen container that nobody paused).
  Result<bool> paused(const std::string& handle, const depot::ContainerState& record) const;
  // pause.cpp: what pause and resume start from: a running (or paused)
  // container, locked, its record, and whether its cgroup is frozen now.
  // ContainerNotRunning for a stopped, dead or half-made one.
  struct Freezable {
    depot::ContainerLock held;
    depot::ContainerState state;
    bool frozen = false;
  };
  Result<Freezable> lock_freezable(const std::string& handle) const;
  // The state of a container that is not locked by the caller.
  Result<State> observe(const std::string& handle, const depot::ContainerState* record) const;
  // Its record (none: half made) and its state: what info() and status() read.
  struct Seen {
    std::optional<depot::ContainerState> record;
    State state;
  };
  Result<Seen> seen(const std::string& handle) const;
  Result<ContainerInfo> incomplete_info(const std::string& handle, State state) const;
  // Only a temporary of a create killed before its rename is left of it.
  [[nodiscard]] bool stray(const std::string& handle) const;

  const depot::Depot& depot_;
  const bundler::Bundler& bundler_;
  Runtimes& runtimes_;
  RootfsMounter& mounter_;
  const stopper::Stopper& stopper_;
  const nstar::Nstar& nstar_;
  ContainerizerConfig config_;
  Logger logger_;
  std::mutex counting_;
  Supervision* supervision_ = nullptr;
  mutable std::atomic<uint64_t> recorded_{0};  // events_recorded()  // between counting the containers and adding one
};

}  // namespace dmc::containerizer
