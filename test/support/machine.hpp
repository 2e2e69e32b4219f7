// What a test can see on the machine, and a dmc CLI environment of its own.
#pragma once

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "common/child.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

// Mount points (from /proc/self/mountinfo) at or below prefix.
std::vector<std::string> mounts_under(const std::string& prefix);
// The existing directories of an absolute cgroup path, in every hierarchy.
std::vector<std::string> cgroup_dirs(const std::string& cgroup_path);
// A file of a container's v1 cgroup, or "" when it cannot be read.
std::string cgroup_file(const std::string& controller, const std::string& handle,
                        const std::string& file);
// True while pid exists and is not a zombie.
bool process_alive(int pid);
// Zombie processes whose cgroup (any hierarchy) is cgroup_path.
std::vector<int> zombies_in_cgroup(const std::string& cgroup_path);
// The runtime the integration tests run on: $DMC_TEST_RUNTIME, else runc.
std::string test_runtime();
// Polls cond every 20 ms for up to 10 s; true as soon as it holds.
bool eventually(const std::function<bool()>& cond);

struct RunOutput {
  int code = -1;
  std::string out;
  std::string err;
};

// Runs argv, feeding it stdin; captures stdout and stderr.
RunOutput run(const std::vector<std::string>& argv, const std::string& stdin_data = "");

// Reads fd to EOF.
std::string read_all(int fd);
// A pipe: [0] read end, [1] write end, both close-on-exec.
std::array<UniqueFd, 2> make_pipe();

// A dmc of the test's own: depot and runtime state under a temp dir. On
// destruction it destroys every container left in its depot and then
// removes, by hand, whatever that left (mounts, cgroups, runtime state), so
// that a failing test never leaves anything on the machine.
class DmcEnv {
 public:
  DmcEnv();
  ~DmcEnv();

  // `dmc --depot D --state-root S --runtime R args...`
  RunOutput dmc(const std::vector<std::string>& args, const std::string& stdin_data = "");
  // The argv of a dmc command (the binary and the env's global options).
  std::vector<std::string> dmc_argv(const std::vector<std::string>& args) const;
  // `<runtime> --root S exec HANDLE argv...`: runs a command in a container.
  RunOutput exec(const std::string& handle, const std::vector<std::string>& argv);
  // A handle unique to this test run: "<prefix>-<random>".
  std::string handle(const std::string& prefix = "t");
  // dmc create with args, requiring success; returns the handle.
  std::string create(std::vector<std::string> args = {});
  int init_pid(const std::string& handle);

  const std::string& depot() const { return depot_; }
  const std::string& state_root() const { return state_root_; }
  const std::string& runtime() const { return runtime_; }
  const TempDir& temp() const { return temp_; }

 private:
  void force_clean(const std::string& handle);

  TempDir temp_;
  std::string depot_;
  std::string state_root_;
  std::string runtime_;
  std::vector<std::string> handles_;
};

}  // namespace dmc::test
