// What a front door (dmc, dmcd) may ask of the containerizer, and the checks
// of it. Every check of a request lives here, so that both front doors
// refuse the same bad input with the same typed error (Invalid) before
// anything is made or changed. The names a front door needs from the parts
// below are re-exported here: a front door includes no part below the
// containerizer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundler/bundle.hpp"
#include "common/oci.hpp"
#include "common/result.hpp"
#include "depot/depot.hpp"
#include "process_tracker/process_spec.hpp"
#include "stopper/stopper.hpp"

namespace dmc::containerizer {

using BindMount = bundler::BindMount;
using Limits = bundler::Limits;
using Properties = depot::Properties;
using ProcessSpec = process_tracker::ProcessSpec;
using Rlimit = oci::Rlimit;
using StopOptions = stopper::StopOptions;
using depot::validate_handle;
using depot::validate_property_key;

struct CreateRequest {
  std::optional<std::string> handle = {};  // nullopt: a UUID v4 is generated
  std::string image = {};                  // rootfs dir; empty: the default rootfs
  std::vector<std::string> env = {};
  std::vector<BindMount> bind_mounts = {};
  Limits limits = {};
  bool privileged = false;
  Properties properties = {};
};

// The ranges a limit may take (the kernel's, and Docker's memory floor).
inline constexpr uint64_t kMinMemoryBytes = 6 * 1024 * 1024;
inline constexpr uint64_t kMinCpuShares = 2;
inline constexpr uint64_t kMaxCpuShares = 262144;
inline constexpr int64_t kMinPids = 1;
inline constexpr int64_t kMaxPids = 4194304;

// Each limit given is in its range: "invalid cpu shares '1': must be from 2
// to 262144".
Result<void> check_limits(const Limits& limits);
// KEY=VALUE entries with a non-empty KEY.
Result<void> check_env(const std::vector<std::string>& env);
// An absolute destination (not /, no ".."), and a source that exists.
Result<void> check_bind_mounts(const std::vector<BindMount>& mounts);
// Every key as validate_property_key says.
Result<void> check_properties(const Properties& properties);
// The handle (when given), env, bind mounts, limits and properties.
Result<void> check_create(const CreateRequest& request);

// An rlimit named as in ulimit or the OCI spec, in any case ("nofile",
// "NOFILE", "RLIMIT_NOFILE"), with soft <= hard; returned with its OCI
// type ("RLIMIT_NOFILE").
Result<Rlimit> checked_rlimit(Rlimit rlimit);
// A group name (Containerizer::run's spec.group, the group operations):
// a valid name as a process id is, so never '.', '..' or one with '/'.
Result<void> check_group(const std::string& group);
// The path, env, rlimits (their types made OCI's), spool cap (> 0) and the
// group, when given.
Result<ProcessSpec> checked_process(ProcessSpec spec);

}  // namespace dmc::containerizer
