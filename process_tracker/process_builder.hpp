// ProcessSpec + the container's own process template -> the OCI process that
// `runtime exec --process` runs. Resolves the user from the container's
// /etc/passwd and /etc/group (read through the container's rootfs, never
// following a link out of it), merges env, picks and creates the working
// dir, sets capabilities and rlimits.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/oci.hpp"
#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "process_tracker/process_spec.hpp"

namespace dmc::process_tracker {

struct ResolvedUser {
  std::string name;  // empty when given as a uid unknown to /etc/passwd
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> additional_gids;
  std::string home;  // from /etc/passwd; empty when unknown
};

// "" -> root; "name" -> /etc/passwd; "uid" or "uid:gid" (numbers, looked up
// for a name and home when present). NotFound: `unknown user 'x'`.
Result<ResolvedUser> resolve_user(const std::string& rootfs, std::string_view user);

// Opens path inside rootfs as if rootfs were / (links resolved within it).
Result<UniqueFd> open_in_root(const std::string& rootfs, std::string_view path, int flags);
// mkdir -p inside rootfs; directories it creates are owned by uid:gid.
Result<void> make_dirs_in_root(const std::string& rootfs, std::string_view path, uint32_t uid,
                               uint32_t gid);

// The container's process template: its config.json's process object.
Result<oci::Process> process_template(std::string_view config_json);

Result<oci::Process> build_process(const ProcessSpec& spec, const oci::Process& container,
                                   const std::string& rootfs);

}  // namespace dmc::process_tracker
