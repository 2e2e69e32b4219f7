// What a user sees of a container after a fault (`dmc list --json`, `info`,
// `ps --json`), and the promises checked against the machine: what dmc says
// is true, destroy succeeds, and nothing is left. Header-only, like faults.hpp.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/json.hpp"
#include "support/faults.hpp"
#include "support/machine.hpp"

namespace dmc::test::faults {

// The states `dmc list` and `dmc info` may report.
inline bool known_container_state(const std::string& s) {
  return s == "running" || s == "stopped" || s == "paused" || s == "incomplete" ||
         s == "dead";
}

// handle -> state, from `dmc list --json` (which must succeed and parse).
inline std::map<std::string, std::string> listed(DmcEnv& env) {
  auto r = env.dmc({"list", "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.err);
  auto doc = json::parse(r.out, "list");
  REQUIRE_MESSAGE(doc, r.out);
  REQUIRE(doc->IsArray());
  std::map<std::string, std::string> out;
  for (const auto& entry : doc->GetArray()) {
    auto handle = json::get_string(entry, "handle");
    auto state = json::get_string(entry, "state");
    REQUIRE_MESSAGE(handle, r.out);
    REQUIRE_MESSAGE(state, r.out);
    out[*handle] = *state;
  }
  return out;
}

struct Info {
  int code = -1;
  std::string err;
  std::string state;  // "" unless code is 0
  int init_pid = 0;
};

inline Info info_of(DmcEnv& env, const std::string& handle) {
  auto r = env.dmc({"info", handle});
  Info info{.code = r.code, .err = r.err, .state = "", .init_pid = 0};
  if (r.code != 0) return info;
  auto doc = json::parse(r.out, "info");
  REQUIRE_MESSAGE(doc, r.out);
  info.state = json::get_string(*doc, "state").value_or("");
  auto pid = json::get_optional_int64(*doc, "init_pid");
  if (pid && pid->has_value()) info.init_pid = static_cast<int>(**pid);
  return info;
}

struct Proc {
  std::string id;
  std::string state;  // running, exited, lost
  int pid = 0;
  std::optional<int> exit_status;
};

// `dmc ps --json`, which must succeed on any container that list shows.
inline std::vector<Proc> ps_of(DmcEnv& env, const std::string& handle) {
  auto r = env.dmc({"ps", handle, "--json"});
  CHECK_MESSAGE(r.code == 0, "ps " << handle << ": " << r.err);
  if (r.code != 0) return {};
  auto doc = json::parse(r.out, "ps");
  REQUIRE_MESSAGE(doc, r.out);
  REQUIRE(doc->IsArray());
  std::vector<Proc> out;
  for (const auto& p : doc->GetArray()) {
    Proc proc{.id = json::get_string(p, "id").value_or(""),
              .state = json::get_string(p, "state").value_or(""),
              .pid = 0,
              .exit_status = std::nullopt};
    auto pid = json::get_optional_int64(p, "pid");
    if (pid && pid->has_value()) proc.pid = static_cast<int>(**pid);
    auto status = json::get_optional_int64(p, "exit_status");
    if (status && status->has_value()) proc.exit_status = static_cast<int>(**status);
    out.push_back(proc);
  }
  return out;
}

inline std::optional<Proc> find_proc(const std::vector<Proc>& procs, const std::string& id) {
  auto it = std::ranges::find(procs, id, &Proc::id);
  return it == procs.end() ? std::nullopt : std::optional<Proc>(*it);
}

// True while pid is alive, runs dmc's init and is in the cgroup of `handle`.
inline bool is_init_of(int pid, const std::string& handle) {
  if (pid <= 0 || !process_alive(pid)) return false;
  auto dir = "/proc/" + std::to_string(pid);
  auto cmdline = read_file(dir + "/cmdline").value_or("");
  auto cgroup = read_file(dir + "/cgroup").value_or("");
  return cmdline == std::string("/dev/dmc-init\0", 14) &&
         cgroup.find(":/dmc/" + handle + "\n") != std::string::npos;
}

// A failure as the README promises it: non-zero, one line "dmc: ..." on stderr.
inline bool is_clear_failure(const RunOutput& r) {
  return r.code != 0 && r.err.starts_with("dmc: ") &&
         std::ranges::count(r.err, '\n') == 1 && r.err.ends_with("\n");
}

// What ps says of each process is true: a running one is a live process of
// the container (its pid, proven: not one that took the pid of an exited
// one); a finished one has a status. Returns the processes it names that
// live, named for good (see seen_of), to check later.
inline std::vector<Seen> check_ps_truthful(DmcEnv& env, const std::string& handle) {
  std::vector<int> pids;
  for (const auto& p : ps_of(env, handle)) {
    INFO("process " << p.id << " of " << handle << ": " << p.state << ", pid " << p.pid);
    CHECK((p.state == "running" || p.state == "exited" || p.state == "lost"));
    if (p.state == "running") {
      CHECK_MESSAGE(seen_of(handle, {p.pid}).size() == 1,
                    "not the container's: " << describe_process(p.pid));
    }
    if (p.state == "exited") CHECK(p.exit_status.has_value());
    if (p.pid > 0) pids.push_back(p.pid);
  }
  return seen_of(handle, pids);
}

// After a fault: if list shows the handle, info agrees with list and both
// tell the truth about its init (running and stopped: our init lives; dead:
// it does not); ps tells the truth. If list does not show it, info does not
// know it either and nothing of it exists. Returns the state ("" unlisted).
inline std::string check_seen_truthfully(DmcEnv& env, const std::string& handle) {
  auto all = listed(env);
  auto info = info_of(env, handle);
  if (!all.contains(handle)) {
    CHECK_MESSAGE(info.code != 0, "info knows " << handle << " but list does not show it");
    check_nothing_left(env, handle);
    return "";
  }
  const auto& state = all[handle];
  CHECK_MESSAGE(known_container_state(state), "list says " << state);
  CHECK_MESSAGE(info.code == 0, "info " << handle << " (listed " << state << "): " << info.err);
  CHECK(info.state == state);
  if (state == "running" || state == "stopped") {
    // The runtime returns once the init runs; its exec of dmc-init may
    // still be a moment away (cmdline "runc init"): the same pid, proven.
    CHECK_MESSAGE(eventually([&] { return is_init_of(info.init_pid, handle); }),
                  state << " but init " << describe_process(info.init_pid) << " is not its init");
  }
  if (state == "dead") CHECK_FALSE(is_init_of(info.init_pid, handle));
  if (info.code == 0) check_ps_truthful(env, handle);
  return state;
}

// `dmc destroy` succeeds, and afterwards nothing of the container is left,
// nor any of `seen`; list and info no longer know it.
inline void check_destroy_leaves_nothing(DmcEnv& env, const std::string& handle,
                                         const std::vector<Seen>& seen = {}) {
  auto r = env.dmc({"destroy", handle});
  CHECK_MESSAGE(r.code == 0, "destroy " << handle << ": " << r.err);
  check_nothing_left(env, handle, seen);
  CHECK_FALSE(listed(env).contains(handle));
  CHECK(info_of(env, handle).code != 0);
}

}  // namespace dmc::test::faults
