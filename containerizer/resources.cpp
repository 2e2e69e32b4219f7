// The Containerizer's limits, metrics and properties.
#include "common/cgroup.hpp"
#include "common/fs.hpp"
#include "common/oci.hpp"
#include "bundler/limits_rule.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {
namespace names = depot::names;

namespace {

void merge(bundler::Limits& into, const bundler::Limits& changes) {
  if (changes.memory_bytes) into.memory_bytes = changes.memory_bytes;
  if (changes.cpu_shares) into.cpu_shares = changes.cpu_shares;
  if (changes.pids_max) into.pids_max = changes.pids_max;
}

}  // namespace

Result<bundler::Limits> Containerizer::limits(const std::string& handle) const {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(hierarchies, cgroup::hierarchies());
  return read_limits(hierarchies, cgroup_path(handle));
}

Result<void> Containerizer::update_limits(const std::string& handle,
                                          const bundler::Limits& changes) {
  DMC_CHECK(check_limits(changes));
  DMC_CHECK(check_exists(handle));
  DMC_TRY(held, lock(handle));
  DMC_TRY(state, depot_.read_state(handle));
  DMC_CHECK(prove_running(handle, state));
  DMC_TRY(kit, runtime_of(state));
  DMC_TRY(text, read_file(depot_.path(handle, names::kSpec)));
  DMC_TRY(spec, bundler::desired_spec_from_json(text));
  merge(spec.limits, changes);
  // The same rule as at create: the same checks, the same resources.
  DMC_TRY(bundle, bundler::LimitsRule().apply({}, spec));
  DMC_CHECK(kit.runtime.update(handle, oci::to_json(bundle.linux_.resources)));
  DMC_CHECK(atomic_write_file(depot_.path(handle, names::kSpec), bundler::to_json(spec)));
  record_update(handle, changes);
  logger_.info("limits.updated", {{"handle", handle}});
  return {};
}

Result<Metrics> Containerizer::metrics(const std::string& handle) const {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(state, depot_.read_state(handle));
  DMC_TRY(hierarchies, cgroup::hierarchies());
  return read_metrics(hierarchies, cgroup_path(handle), state.created_at_ns);
}

Result<uint64_t> Containerizer::oom_kills(const std::string& handle) const {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(hierarchies, cgroup::hierarchies());
  return read_oom_kills(hierarchies, cgroup_path(handle));
}

Result<depot::Properties> Containerizer::properties(const std::string& handle) const {
  DMC_CHECK(check_exists(handle));
  return depot_.read_properties(handle);
}

Result<std::string> Containerizer::property(const std::string& handle,
                                            const std::string& key) const {
  DMC_TRY(props, properties(handle));
  auto it = props.find(key);
  if (it == props.end()) {
    return make_error(ErrorKind::NotFound, "property does not exist: {}", key);
  }
  return it->second;
}

Result<void> Containerizer::set_property(const std::string& handle, const std::string& key,
                                         const std::string& value) {
  DMC_CHECK(depot::validate_property_key(key));
  DMC_CHECK(check_exists(handle));
  DMC_TRY(held, lock(handle));
  DMC_TRY(props, depot_.read_properties(handle));
  props[key] = value;
  return depot_.write_properties(handle, props);
}

Result<void> Containerizer::remove_property(const std::string& handle, const std::string& key) {
  DMC_CHECK(check_exists(handle));
  DMC_TRY(held, lock(handle));
  DMC_TRY(props, depot_.read_properties(handle));
  if (props.erase(key) == 0) return {};
  return depot_.write_properties(handle, props);
}

}  // namespace dmc::containerizer
