// Fake parts for the containerizer's own tests: a runtime that runs nothing,
// a mounter that mounts nothing, over a real depot in a temp dir. The fake
// init is this test process: its pid is alive, and it is in no container's
// cgroup, so that the containerizer's proofs never let it be signalled.
#pragma once

#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "bundler/bundler.hpp"
#include "common/fs.hpp"
#include "common/uuid.hpp"
#include "containerizer/containerizer.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

class FakeRuntime : public containerizer::OciRuntime {
 public:
  explicit FakeRuntime(std::string root) : root_(std::move(root)) {}

  Result<void> run(const std::string& id, const std::string&,
                   const std::string& pid_file) override {
    if (fail_run) return make_error(ErrorKind::Internal, "fake run: exit status 1: refused");
    DMC_CHECK(atomic_write_file(pid_file, std::to_string(::getpid())));
    std::lock_guard hold(mutex_);
    live_.insert(id);
    ++runs_;
    return {};
  }
  Result<void> remove(const std::string& id, bool) override {
    std::lock_guard hold(mutex_);
    if (live_.erase(id) == 0) return make_error(ErrorKind::NotFound, "container does not exist");
    return {};
  }
  Result<void> update(const std::string&, const std::string&) override { return {}; }
  Result<void> pause(const std::string&) override { return {}; }
  Result<void> resume(const std::string&) override { return {}; }
  [[nodiscard]] std::string binary() const override { return "fake-runtime"; }
  [[nodiscard]] std::string state_root() const override { return root_; }

  size_t live() {
    std::lock_guard hold(mutex_);
    return live_.size();
  }
  size_t runs() {
    std::lock_guard hold(mutex_);
    return runs_;
  }

  std::atomic<bool> fail_run = false;

 private:
  std::string root_;
  std::mutex mutex_;
  std::set<std::string> live_;
  size_t runs_ = 0;
};

// The tracker's exec is never called: these tests start no process.
class NoExec : public process_tracker::ExecCommand {
 public:
  [[nodiscard]] std::vector<std::string> argv(const std::string&,
                                              const process_tracker::ExecArgs&) const override {
    return {"/bin/false"};
  }
  [[nodiscard]] Error failure(ChildExit, std::string_view) const override {
    return make_error(ErrorKind::Internal, "no exec in these tests");
  }
};

class FakeRuntimes : public containerizer::Runtimes {
 public:
  explicit FakeRuntimes(std::string root) : runtime(std::move(root)) {}

  containerizer::RuntimeKit for_new() override { return {runtime, tracker}; }
  Result<containerizer::RuntimeKit> made_by(const std::string& binary,
                                            const std::string&) override {
    if (binary != runtime.binary()) return make_error(ErrorKind::NotFound, "no runtime {}", binary);
    return for_new();
  }

  FakeRuntime runtime;
  NoExec exec;
  process_tracker::Tracker tracker{{.shim_path = "/nonexistent/dmc-shim"}, exec, Logger{}};
};

class FakeMounter : public containerizer::RootfsMounter {
 public:
  Result<void> mount(const std::string&, const std::string&, const std::string&,
                     const std::string&) override {
    ++mounted;
    return {};
  }
  Result<void> unmount(const std::string&) override {
    ++unmounted;
    return {};
  }

  std::atomic<int> mounted = 0;
  std::atomic<int> unmounted = 0;
};

// A Containerizer on fakes and a real depot in a temp dir. Its cgroup
// parent is a path of its own that nothing creates.
struct Engine {
  explicit Engine(containerizer::ContainerizerConfig config = {}) {
    (void)make_dirs(image, 0755);
    config.default_image = image;
    config.cgroup_parent = "/dmc-unit-" + uuid_v4().value_or("x");
    containerizer = std::make_unique<containerizer::Containerizer>(
        depot, bundler, runtimes, mounter, stopper, nstar, config, Logger{});
  }

  // Every container directory in the depot, finished or not.
  std::vector<std::string> in_depot() const { return depot.handles().value_or(std::vector<std::string>{"?"}); }

  TempDir temp;
  std::string image = temp / "image";
  depot::Depot depot{temp / "depot"};
  bundler::Bundler bundler = bundler::make_bundler({.init_path = "/bin/true"});
  FakeRuntimes runtimes{temp / "state"};
  FakeMounter mounter;
  stopper::Stopper stopper{Logger{}};
  nstar::Nstar nstar{"/nonexistent/dmc-nstar"};
  std::unique_ptr<containerizer::Containerizer> containerizer;
};

}  // namespace dmc::test
