// The real OciRuntime: runrunc's client of runc or crun.
#pragma once

#include "containerizer/ports.hpp"
#include "runrunc/runtime.hpp"

namespace dmc::containerizer {

class RunruncAdapter : public OciRuntime {
 public:
  explicit RunruncAdapter(const runrunc::Runtime& runtime) : runtime_(runtime) {}

  Result<void> create(const std::string& id, const std::string& bundle,
                      const std::string& pid_file) override {
    return runtime_.create(id, {.bundle = bundle, .pid_file = pid_file});
  }
  Result<void> start(const std::string& id) override { return runtime_.start(id); }
  Result<void> remove(const std::string& id, bool force) override {
    return runtime_.remove(id, force);
  }
  [[nodiscard]] std::string binary() const override { return runtime_.config().binary; }

 private:
  const runrunc::Runtime& runtime_;
};

}  // namespace dmc::containerizer
