#include "supervisor/containerizer_engine.hpp"

#include "journal/event.hpp"
#include "supervisor/container_probe_target.hpp"

namespace dmc::supervisor {

Result<ContainerPaths> ContainerizerEngine::paths(const std::string& handle) const {
  DMC_TRY(info, containerizer_.info(handle));
  return ContainerPaths{info.bundle_path, info.rootfs_path};
}

Result<std::string> ContainerizerEngine::container_dir(const std::string& handle) const {
  return containerizer_.container_dir(handle);
}

// Asked on every tick: the state alone, not the whole of info().
Result<bool> ContainerizerEngine::running(const std::string& handle) const {
  DMC_TRY(status, containerizer_.status(handle));
  return status == containerizer::State::Running;
}

Result<std::string> ContainerizerEngine::run(const std::string& handle,
                                             const process_tracker::ProcessSpec& spec) {
  return containerizer_.run(handle, spec);
}

Result<std::vector<process_tracker::ProcessInfo>> ContainerizerEngine::processes(
    const std::string& handle) const {
  return containerizer_.processes(handle);
}

Result<std::vector<int>> ContainerizerEngine::group_members(const std::string& handle,
                                                            const std::string& group) const {
  return containerizer_.group_members(handle, group);
}

Result<void> ContainerizerEngine::signal_group(const std::string& handle,
                                               const std::string& group, int signal) {
  return containerizer_.signal_group(handle, group, signal);
}

Result<void> ContainerizerEngine::kill_group(const std::string& handle,
                                             const std::string& group) {
  return containerizer_.kill_group(handle, group);
}

Result<void> ContainerizerEngine::remove_group(const std::string& handle,
                                               const std::string& group) {
  return containerizer_.remove_group(handle, group);
}

Result<void> ContainerizerEngine::forget_process(const std::string& handle,
                                                 const std::string& id) {
  return containerizer_.forget_process(handle, id);
}

std::unique_ptr<ProbeTarget> ContainerizerEngine::probe_target(const std::string& handle,
                                                              const std::string& user) {
  return std::make_unique<ContainerProbeTarget>(containerizer_, handle, user);
}

void ContainerizerEngine::record(const std::string& handle, const std::string& service,
                                 const Note& note) {
  journal::Fields fields = {journal::string_field("service", service),
                            journal::string_field("action", note.action)};
  for (const auto& [key, value] : note.fields) fields.push_back(journal::string_field(key, value));
  containerizer_.record_event(handle, journal::types::kService, fields);
}

}  // namespace dmc::supervisor
