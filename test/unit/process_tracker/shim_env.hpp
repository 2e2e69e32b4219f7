// The real dmc-shim under a Tracker, with the fake runtime (fake_exec.hpp):
// a container's processes directory of a test's own.
#pragma once

#include <dirent.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/oci.hpp"
#include "fake_exec.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/tracker.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

using Strings = std::vector<std::string>;
namespace names = dmc::process_tracker::names;
using process_tracker::ProcessSpec;
using process_tracker::TrackerConfig;
using process_tracker::Tracker;

inline const std::string kHandle = "handle-1";

// A container's processes directory, the fake runtime and a Tracker on the
// shim under test. Everything started is killed when it goes.
struct Env {
  Env()
      : processes(temp / "processes"),
        runtime(temp / "fake-runtime"),
        exec(runtime, temp.path()),
        tracker(TrackerConfig{.shim_path = std::string(DMC_BIN_DIR) + "/dmc-shim"}, exec, Logger()),
        reaper(temp.path()) {
    REQUIRE(make_dirs(processes));
    dmc::test::write_text(runtime, std::string(dmc::test::kFakeRuntime), 0755);
  }

  [[nodiscard]] std::string dir(const std::string& id) const { return processes + "/" + id; }
  [[nodiscard]] std::string file(const std::string& id, std::string_view name) const {
    return dir(id) + "/" + std::string(name);
  }
  [[nodiscard]] int pid(const std::string& id) const {
    return std::atoi(read_file(file(id, names::kPid)).value_or("0").c_str());
  }
  [[nodiscard]] int shim_pid(const std::string& id) const {
    return std::atoi(read_file(file(id, names::kShimPid)).value_or("0").c_str());
  }
  [[nodiscard]] std::optional<std::string> exit_status(const std::string& id) const {
    auto text = read_file(file(id, names::kExitStatus));
    if (!text) return std::nullopt;
    return *text;
  }
  [[nodiscard]] bool exited(const std::string& id) const { return exit_status(id).has_value(); }

  Result<std::string> try_start(const Strings& command, ProcessSpec spec = {}) {
    exec.command = command;
    spec.path = command.at(0);
    spec.args.assign(command.begin() + 1, command.end());
    oci::Process process;
    process.args = command;
    return tracker.start(processes, kHandle, spec, process);
  }

  std::string start(const Strings& command, ProcessSpec spec = {}) {
    auto id = try_start(command, std::move(spec));
    REQUIRE_MESSAGE(id, id.error().message);
    return *id;
  }

  [[nodiscard]] Strings entries() const {
    Strings out;
    DIR* d = ::opendir(processes.c_str());
    REQUIRE(d);
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") out.push_back(name);
    }
    ::closedir(d);
    return out;
  }

  TempDir temp;
  std::string processes;
  std::string runtime;
  FakeExec exec;
  Tracker tracker;
  dmc::test::Reaper reaper;  // last: it goes first, before the temp dir
};

inline Strings shell(const std::string& script) { return {"/bin/sh", "-c", script}; }

}  // namespace dmc::test
