// The Containerizer's StreamIn and StreamOut.
#include "containerizer/containerizer.hpp"
#include "process_tracker/process_builder.hpp"

namespace dmc::containerizer {
namespace names = depot::names;

namespace {

// The streaming user, from the container's own /etc/passwd and /etc/group.
Result<nstar::StreamUser> stream_user(const std::string& rootfs, const std::string& user,
                                      std::string_view context) {
  auto resolved = process_tracker::resolve_user(rootfs, user);
  if (!resolved) return resolved.error().wrap(context);
  return nstar::StreamUser{.uid = resolved->uid,
                           .gid = resolved->gid,
                           .groups = resolved->additional_gids,
                           .home = resolved->home.empty() ? "/" : resolved->home};
}

}  // namespace

Result<void> Containerizer::stream_in(const std::string& handle, const std::string& user,
                                      const std::string& destination, int tar_fd) const {
  if (destination.empty()) {
    return make_error(ErrorKind::Invalid, "error streaming in: the destination is empty");
  }
  DMC_TRY(state, running_record(handle));
  DMC_TRY(who, stream_user(depot_.path(handle, names::kRootfs), user, "error streaming in"));
  return nstar_.stream_in(init_claim(handle, state), who, destination, tar_fd);
}

Result<void> Containerizer::stream_out(const std::string& handle, const std::string& user,
                                       const std::string& source, int out_fd) const {
  if (source.empty()) {
    return make_error(ErrorKind::Invalid, "error streaming out: the source is empty");
  }
  DMC_TRY(state, running_record(handle));
  DMC_TRY(who, stream_user(depot_.path(handle, names::kRootfs), user, "error streaming out"));
  return nstar_.stream_out(init_claim(handle, state), who, source, out_fd);
}

}  // namespace dmc::containerizer
