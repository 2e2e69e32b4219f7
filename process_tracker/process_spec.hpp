// What a user asks to run in a container, before it is resolved against the
// container's own /etc/passwd, /etc/group and filesystem.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/oci.hpp"

namespace dmc::process_tracker {

struct ProcessSpec {
  std::optional<std::string> id = {};           // nullopt: a UUID v4
  std::string path = {};                        // the program
  std::vector<std::string> args = {};           // argv[1..]
  std::vector<std::string> env = {};            // KEY=VALUE, after the container's
  std::string dir = {};                         // empty: the user's home, else /
  std::string user = {};                        // empty: root; a name, or uid[:gid]
  bool tty = false;
  std::optional<oci::ConsoleSize> window = {};  // with tty; default 80x24
  std::vector<oci::Rlimit> rlimits = {};
  // Output spooled for nobody, per stream, before the process is held back.
  std::optional<uint64_t> spool_cap = {};
  // A sub-cgroup of the container's cgroup that the process (and all it
  // forks) runs in, made beforehand; empty: the container's own cgroup.
  std::string group = {};
};

}  // namespace dmc::process_tracker
