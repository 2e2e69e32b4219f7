// The supervisor's Engine over the real Containerizer.
#pragma once

#include "containerizer/containerizer.hpp"
#include "supervisor/engine.hpp"

namespace dmc::supervisor {

class ContainerizerEngine final : public Engine {
 public:
  explicit ContainerizerEngine(containerizer::Containerizer& containerizer)
      : containerizer_(containerizer) {}

  [[nodiscard]] Result<ContainerPaths> paths(const std::string& handle) const override;
  [[nodiscard]] Result<bool> running(const std::string& handle) const override;
  Result<std::string> run(const std::string& handle,
                          const process_tracker::ProcessSpec& spec) override;
  [[nodiscard]] Result<std::vector<process_tracker::ProcessInfo>> processes(
      const std::string& handle) const override;
  [[nodiscard]] Result<std::vector<int>> group_members(const std::string& handle,
                                                       const std::string& group) const override;
  Result<void> signal_group(const std::string& handle, const std::string& group,
                            int signal) override;
  Result<void> kill_group(const std::string& handle, const std::string& group) override;
  Result<void> remove_group(const std::string& handle, const std::string& group) override;
  Result<void> forget_process(const std::string& handle, const std::string& id) override;
  std::unique_ptr<ProbeTarget> probe_target(const std::string& handle,
                                            const std::string& user) override;
  void record(const std::string& handle, const std::string& service, const Note& note) override;

 private:
  containerizer::Containerizer& containerizer_;
};

}  // namespace dmc::supervisor
