// The Containerizer's Info and Handles: what `dmc info` and `dmc list`
// show, read from the machine (see liveness.cpp), never from the record alone.
#include <algorithm>

#include "common/cgroup.hpp"
#include "common/fs.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {
namespace names = depot::names;

namespace {

// A property a container lacks compares as "" (as Guardian's List does), so
// that `key=` finds the containers without key.
bool matches(const depot::Properties& props, const depot::Properties& filter) {
  return std::all_of(filter.begin(), filter.end(), [&](const auto& kv) {
    auto it = props.find(kv.first);
    return (it == props.end() ? std::string() : it->second) == kv.second;
  });
}

}  // namespace

Result<Containerizer::Seen> Containerizer::seen(const std::string& handle) const {
  DMC_CHECK(depot::validate_handle(handle));
  auto state = depot_.read_state(handle);
  if (!state && state.error().err == ENOENT) {  // no state.json: an old dmc's half-made one
    DMC_TRY(observed, observe(handle, nullptr));
    return Seen{std::nullopt, observed};
  }
  if (!state && state.error().kind == ErrorKind::ContainerNotFound && stray(handle)) {
    return Seen{std::nullopt, State::Incomplete};
  }
  if (!state) return state.error();
  DMC_TRY(observed, observe(handle, &*state));
  return Seen{std::move(*state), observed};
}

Result<State> Containerizer::status(const std::string& handle) const {
  DMC_TRY(now, seen(handle));
  return now.state;
}

Result<ContainerInfo> Containerizer::info(const std::string& handle) const {
  DMC_TRY(now, seen(handle));
  const State observed = now.state;
  if (!now.record || observed == State::Creating || observed == State::Incomplete) {
    return incomplete_info(handle, observed);
  }
  const depot::ContainerState* state = &*now.record;
  DMC_TRY(spec_text, read_file(depot_.path(handle, names::kSpec)));
  DMC_TRY(spec, bundler::desired_spec_from_json(spec_text));
  DMC_TRY(properties, depot_.read_properties(handle));
  DMC_TRY(events, events_of(handle));
  return ContainerInfo{
      .handle = handle,
      .status = observed,
      .image = spec.image,
      .bundle_path = depot_.dir(handle),
      .rootfs_path = spec.rootfs_path,
      .init_pid = state->init_pid,
      .created_at_ns = state->created_at_ns,
      .runtime = state->runtime,
      .limits = spec.limits,
      .privileged = spec.privileged,
      .properties = std::move(properties),
      .events = std::move(events),
  };
}

Result<std::vector<std::string>> Containerizer::handles(const depot::Properties& filter) const {
  DMC_TRY(all, depot_.handles());
  DMC_TRY(strays, depot_.stray_temporaries());
  for (auto& stray : strays) {
    if (!std::binary_search(all.begin(), all.end(), stray)) all.push_back(std::move(stray));
  }
  std::sort(all.begin(), all.end());
  if (filter.empty()) return all;
  std::vector<std::string> out;
  for (auto& handle : all) {
    auto props = depot_.read_properties(handle);
    if (!props && props.error().kind == ErrorKind::ContainerNotFound) continue;  // gone meanwhile
    if (!props) return props.error();
    if (matches(*props, filter)) out.push_back(std::move(handle));
  }
  return out;
}

// "out of memory" once the kernel OOM-killed in it (a cgroup that is gone,
// a dead container's after a reboot, has none; a counter that cannot be
// read is an error, never a zero), and "process <id> lost" for each
// process whose shim died before it could record how it ended.
Result<std::vector<std::string>> Containerizer::events_of(const std::string& handle) const {
  std::vector<std::string> events;
  DMC_TRY(hierarchies, cgroup::hierarchies());
  auto kills = read_oom_kills(hierarchies, cgroup_path(handle));
  if (!kills && kills.error().kind != ErrorKind::NotFound) {
    return kills.error().wrap("out-of-memory events");
  }
  if (kills && *kills > 0) events.emplace_back("out of memory");
  DMC_TRY(processes, tracker().list(processes_dir(handle)));
  for (const auto& p : processes) {
    if (p.state == "lost") events.push_back(fmt::format("process {} lost", p.id));
  }
  return events;
}

Result<std::string> Containerizer::container_dir(const std::string& handle) const {
  DMC_CHECK(depot::validate_handle(handle));
  return depot_.dir(handle);
}

}  // namespace dmc::containerizer
