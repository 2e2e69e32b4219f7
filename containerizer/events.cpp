// The containerizer's side of the event journal (journal/): the events its
// commands record, the reconcile of what the machine shows and the journal
// lacks, the archive at destroy, and replay. An event of an operation that
// succeeded and could not be recorded (a full disk) is logged, and the
// operation still succeeds; only create fails (and rolls back) when its
// `create` event cannot be written, so that no container runs unrecorded.
#include "common/cgroup.hpp"
#include "common/clock.hpp"
#include "containerizer/containerizer.hpp"
#include "journal/reconcile.hpp"

namespace dmc::containerizer {
namespace jt = journal::types;

namespace {

journal::Fields limit_fields(const bundler::Limits& limits) {
  journal::Fields fields;
  if (limits.memory_bytes) fields.push_back(journal::uint_field("memory_bytes", *limits.memory_bytes));
  if (limits.cpu_shares) fields.push_back(journal::uint_field("cpu_shares", *limits.cpu_shares));
  if (limits.pids_max) fields.push_back(journal::int_field("pids_max", *limits.pids_max));
  return fields;
}

bool has_destroy(const std::vector<journal::Event>& events) {
  return std::any_of(events.begin(), events.end(),
                     [](const journal::Event& e) { return e.type == jt::kDestroy; });
}

}  // namespace

journal::Journal Containerizer::journal_of(const std::string& handle) const {
  return journal::Journal(depot_.dir(handle));
}

void Containerizer::record(const std::string& handle, std::string_view type,
                           const journal::Fields& fields) const {
  auto appended = journal_of(handle).append(type, fields);
  if (appended) recorded_.fetch_add(1, std::memory_order_relaxed);
  if (!appended && appended.error().kind != ErrorKind::NotFound) {
    logger_.error("journal.append-failed", appended.error(),
                  {{"handle", handle}, {"type", std::string(type)}});
  }
}

void Containerizer::record_event(const std::string& handle, std::string_view type,
                                 const journal::Fields& fields) const {
  record(handle, type, fields);
}

void Containerizer::record_stop(const std::string& handle, bool kill) const {
  record(handle, jt::kStop, {journal::bool_field("kill", kill)});
}

void Containerizer::record_update(const std::string& handle, const bundler::Limits& given) const {
  record(handle, jt::kUpdate, limit_fields(given));
}

// What the machine shows and the journal lacks: the cgroup's OOM kills,
// exits whose shims did not record them, the death of the init.
journal::Observed Containerizer::observed(const std::string& handle, bool with_init) const {
  journal::Observed seen;
  if (auto hierarchies = cgroup::hierarchies(); hierarchies) {
    if (auto kills = read_oom_kills(*hierarchies, cgroup_path(handle)); kills) {
      seen.oom_kills = *kills;
    }
  }
  if (auto processes = tracker().list(processes_dir(handle)); processes) {
    for (const auto& p : *processes) {
      if (p.exit_status) seen.exited.push_back({.process = p.id, .status = p.exit_status});
    }
  }
  auto state = depot_.read_state(handle);
  if (with_init && state && state->status != depot::Status::Creating &&
      observe(handle, &*state).value_or(State::Running) == State::Dead) {
    seen.exited.push_back({.process = std::string(journal::kInitProcess), .status = {}});
  }
  return seen;
}

void Containerizer::reconcile_events(const std::string& handle) const {
  auto done = journal::reconcile(journal_of(handle), observed(handle, true));
  if (!done && done.error().kind != ErrorKind::NotFound) {
    logger_.error("journal.reconcile-failed", done.error(), {{"handle", handle}});
  }
}

// At destroy, with its processes dead and its shims gone: lost exits, then
// `destroy` once (a destroy killed after it, and repeated, finds it), then
// the journal into the archive. A journal without an event (a create that
// failed to record its own) is removed.
Result<void> Containerizer::archive_journal(const std::string& handle, int64_t created_ns) {
  auto journal = journal_of(handle);
  auto exits = journal::reconcile(journal, observed(handle, false));
  if (!exits && exits.error().kind == ErrorKind::NotFound) return {};  // none, or archived
  DMC_TRY(locked, journal.lock());
  DMC_TRY(events, locked.read());
  if (events.empty()) return locked.remove();
  if (!has_destroy(events)) {
    auto appended = locked.append(jt::kDestroy);
    if (appended) recorded_.fetch_add(1, std::memory_order_relaxed);
    if (!appended) {
      logger_.error("journal.append-failed", appended.error(),
                    {{"handle", handle}, {"type", "destroy"}});
    }
  }
  return locked.archive(created_ns);
}

Result<void> Containerizer::check_journal(const std::string& handle) const {
  DMC_CHECK(depot::validate_handle(handle));
  if (!journal::known(depot_.root(), handle)) {
    return make_error(ErrorKind::ContainerNotFound, "unknown handle: {}", handle);
  }
  return {};
}

Result<std::vector<journal::Event>> Containerizer::events(const journal::Filter& filter) const {
  for (const auto& handle : filter.handles) DMC_CHECK(check_journal(handle));
  reconcile_events(filter);
  return journal::replay(depot_.root(), filter);
}

void Containerizer::reconcile_events(const journal::Filter& filter) const {
  auto handles = depot_.handles();
  if (!handles) {
    logger_.error("journal.reconcile-failed", handles.error());
    return;
  }
  for (const auto& handle : *handles) {
    if (filter.handles.empty() || filter.handles.contains(handle)) reconcile_events(handle);
  }
}

Result<journal::Follower> Containerizer::follow_events(const journal::Filter& filter) const {
  DMC_CHECK(depot_.init());
  return journal::Follower::open(depot_.root(), filter);
}

}  // namespace dmc::containerizer
