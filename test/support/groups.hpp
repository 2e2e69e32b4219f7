// What the groups tests share (integration tests only: it builds the real
// engine through wiring): the engine in-process, process trees in a group,
// and the group's members once they settle.
#pragma once

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <fmt/ranges.h>

#include "common/fs.hpp"
#include "containerizer/containerizer.hpp"
#include "support/machine.hpp"
#include "wiring/wiring.hpp"

namespace dmc::test::groups {


// The real engine in this process, on the env's depot and runtime: no
// command calls the group operations.
class Engine {
 public:
  explicit Engine(const DmcEnv& env) {
    wiring::Settings settings;
    settings.depot = env.depot();
    settings.runtime = env.runtime();
    settings.state_root = env.state_root();
    settings.log_level = "off";
    auto made = wiring::System::make(settings);
    REQUIRE_MESSAGE(made, made.error().message);
    system_ = std::move(*made);
  }
  containerizer::Containerizer* operator->() { return &system_->containerizer(); }

 private:
  std::unique_ptr<wiring::System> system_;
};

inline std::vector<int> sorted(std::vector<int> pids) {
  std::ranges::sort(pids);
  return pids;
}

inline std::vector<int> procs_in(const std::string& dir) {
  std::istringstream in(read_file(dir + "/cgroup.procs").value_or(""));
  std::vector<int> pids;
  for (int pid; in >> pid;) pids.push_back(pid);
  return sorted(pids);
}

// Field 4 of /proc/<pid>/stat, after the command in parentheses.
inline int parent_of_pid(int pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  std::istringstream rest(stat.substr(stat.rfind(')') + 1));
  char state = 0;
  int ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

inline std::string rootfs(DmcEnv& env, const std::string& handle, const std::string& file) {
  return env.depot() + "/" + handle + "/rootfs/" + file;
}

inline int pid_of(DmcEnv& env, const std::string& handle, const std::string& id) {
  auto text = read_file(env.depot() + "/" + handle + "/processes/" + id + "/pid");
  return text ? std::atoi(text->c_str()) : 0;
}

// Runs script detached as process id in group, and waits for the file
// `/<id>-ready` it must touch once it has set itself up.
inline int run_in_group(DmcEnv& env, const std::string& handle, const std::string& group,
                 const std::string& id, const std::string& script) {
  auto r = env.dmc({"run", handle, "--detach", "--id", id, "--group", group, "--", "/bin/sh",
                    "-c", script});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE(eventually([&] { return path_exists(rootfs(env, handle, id + "-ready")); }));
  return pid_of(env, handle, id);
}

// A shell in the group and a shell that double-forked away from it
// (reparented out of its tree), each waiting on a `sleep 1000`: four
// members. `trap` is set in each shell before it says it is ready (in
// double quotes: the grandchild's script is in single ones).
inline constexpr const char* kTreeScript =
    "(sh -c '{trap} touch /{id}-child-ready; while :; do sleep 1000; done' &); "
    "{trap} while [ ! -e /{id}-child-ready ]; do sleep 0.01; done; touch /{id}-ready; "
    "while :; do sleep 1000; done";

inline std::string tree_script(const std::string& id, const std::string& trap) {
  return fmt::format(fmt::runtime(kTreeScript), fmt::arg("id", id), fmt::arg("trap", trap));
}

// The names (/proc/<pid>/comm) of pids, sorted.
inline std::vector<std::string> names_of(const std::vector<int>& pids) {
  std::vector<std::string> names;
  for (int pid : pids) {
    auto comm = read_file("/proc/" + std::to_string(pid) + "/comm").value_or("?");
    while (!comm.empty() && comm.back() == '\n') comm.pop_back();
    names.push_back(comm);
  }
  std::ranges::sort(names);
  return names;
}

// The group's members once they are the processes named (sorted): the
// runtime's exec helper may be there for an instant, and a shell may not
// have forked its sleep yet; a count alone would mistake one for the other.
inline std::vector<int> settled_members(Engine& engine, const std::string& handle,
                                        const std::string& group,
                                        const std::vector<std::string>& names) {
  std::vector<int> members;
  bool settled = eventually([&] {
    auto now = engine->group_members(handle, group);
    members = now ? sorted(*now) : std::vector<int>{};
    return names_of(members) == names;
  });
  CHECK_MESSAGE(settled, fmt::format("{}", fmt::join(names_of(members), " ")));
  return members;
}

// A tree_script's members: two shells, each waiting on its sleep.
inline const std::vector<std::string> kTree = {"sh", "sh", "sleep", "sleep"};

}  // namespace dmc::test::groups
