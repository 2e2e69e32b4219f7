// The real OciRuntime: runrunc's client of runc or crun.
#pragma once

#include "containerizer/ports.hpp"
#include "process_tracker/tracker.hpp"
#include "runrunc/runtime.hpp"

namespace dmc::containerizer {

class RunruncAdapter : public OciRuntime {
 public:
  explicit RunruncAdapter(const runrunc::Runtime& runtime) : runtime_(runtime) {}

  Result<void> run(const std::string& id, const std::string& bundle,
                   const std::string& pid_file) override {
    return runtime_.run_detached(id, {.bundle = bundle, .pid_file = pid_file});
  }
  Result<void> remove(const std::string& id, bool force) override {
    return runtime_.remove(id, force);
  }
  Result<void> update(const std::string& id, const std::string& resources_json) override {
    return runtime_.update(id, resources_json);
  }
  Result<void> pause(const std::string& id) override { return runtime_.pause(id); }
  Result<void> resume(const std::string& id) override { return runtime_.resume(id); }
  [[nodiscard]] std::string binary() const override { return runtime_.config().binary; }
  [[nodiscard]] std::string state_root() const override { return runtime_.config().state_root; }

 private:
  const runrunc::Runtime& runtime_;
};

// The runtime's exec as the process tracker's shims run it.
class RunruncExec : public process_tracker::ExecCommand {
 public:
  explicit RunruncExec(const runrunc::Runtime& runtime) : runtime_(runtime) {}

  [[nodiscard]] std::vector<std::string> argv(
      const std::string& container_id, const process_tracker::ExecArgs& args) const override {
    runrunc::ExecOptions options{.process_json = args.process_json,
                                 .pid_file = args.pid_file,
                                 .detach = true,
                                 .console_socket = args.console_socket,
                                 .cgroup = args.group};
    return runtime_.exec_argv(container_id, options, args.log_file);
  }
  [[nodiscard]] Error failure(ChildExit exit, std::string_view log) const override {
    return runtime_.exec_failure(exit, log);
  }
  [[nodiscard]] std::shared_ptr<const UniqueFd> program() const override {
    return runtime_.program();
  }

 private:
  const runrunc::Runtime& runtime_;
};

}  // namespace dmc::containerizer
