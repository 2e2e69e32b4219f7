#include "bundler/limits_rule.hpp"

#include <limits>

namespace dmc::bundler {
namespace {

// Docker's floor: below this the runtime's own init cannot start.
constexpr uint64_t kMinMemoryBytes = 6 * 1024 * 1024;
constexpr uint64_t kMaxMemoryBytes = std::numeric_limits<int64_t>::max();
// The kernel's range for cgroup v1 cpu.shares.
constexpr uint64_t kMinCpuShares = 2;
constexpr uint64_t kMaxCpuShares = 262144;

Result<oci::Resources> apply_memory(oci::Resources r, std::optional<uint64_t> bytes) {
  if (!bytes) return r;
  if (*bytes < kMinMemoryBytes || *bytes > kMaxMemoryBytes) {
    return make_error(ErrorKind::Invalid, "memory limit {}: must be between {} and {} bytes",
                      *bytes, kMinMemoryBytes, kMaxMemoryBytes);
  }
  // swap equal to memory: the container gets no swap.
  r.memory_limit = static_cast<int64_t>(*bytes);
  r.memory_swap = static_cast<int64_t>(*bytes);
  return r;
}

Result<oci::Resources> apply_cpu(oci::Resources r, std::optional<uint64_t> shares) {
  if (!shares) return r;
  if (*shares < kMinCpuShares || *shares > kMaxCpuShares) {
    return make_error(ErrorKind::Invalid, "cpu shares {}: must be between {} and {}", *shares,
                      kMinCpuShares, kMaxCpuShares);
  }
  r.cpu_shares = *shares;
  return r;
}

Result<oci::Resources> apply_pids(oci::Resources r, std::optional<int64_t> pids) {
  if (!pids) return r;
  if (*pids <= 0) {
    return make_error(ErrorKind::Invalid, "pids limit {}: must be greater than 0", *pids);
  }
  r.pids_limit = *pids;
  return r;
}

}  // namespace

Result<Bundle> LimitsRule::apply(Bundle bundle, const DesiredSpec& spec) const {
  DMC_TRY(with_memory, apply_memory(bundle.linux_.resources, spec.limits.memory_bytes));
  DMC_TRY(with_cpu, apply_cpu(std::move(with_memory), spec.limits.cpu_shares));
  DMC_TRY(with_pids, apply_pids(std::move(with_cpu), spec.limits.pids_max));
  bundle.linux_.resources = std::move(with_pids);
  return bundle;
}

}  // namespace dmc::bundler
