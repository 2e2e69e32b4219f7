// StreamIn / StreamOut: tar data into and out of a running container.
//
// The work is done by the dmc-nstar helper, a separate process that enters
// the container's mount namespace (through its init's /proc/<pid>/ns/mnt,
// once it has proven that the pid is still the init: see process_proof.hpp),
// drops to the requested user and reads or writes the tar stream with
// libarchive. It sees the container's own filesystem with that user's own
// permissions; no tar binary is run and nothing is needed in the image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/process_proof.hpp"
#include "common/result.hpp"

namespace dmc::nstar {

// Who streams: resolved by the caller (from the container's /etc/passwd).
struct StreamUser {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::vector<uint32_t> groups;  // additional gids
  std::string home = "/";        // relative paths are relative to it
};

// The client side, used by the containerizer: runs the dmc-nstar helper.
class Nstar {
 public:
  explicit Nstar(std::string helper_path);

  // Reads a tar stream from tar_fd (to its end, even on failure) and
  // extracts it at destination, created like `mkdir -p` and owned by the user.
  // Errors: "error streaming in: ...".
  // init is the container's init, proven by the helper before it enters
  // (ContainerNotRunning when it is not that process any more).
  Result<void> stream_in(const proc::Claim& init, const StreamUser& user, const std::string& destination,
                         int tar_fd) const;

  // Writes a tar stream of source to out_fd: the entry itself ("dir/...")
  // or, with a trailing slash, its contents ("./..."). A source that is
  // missing or unreadable fails before any byte is written; a failure after
  // that leaves a truncated stream. Errors: "error streaming out: ...".
  Result<void> stream_out(const proc::Claim& init, const StreamUser& user, const std::string& source,
                          int out_fd) const;

 private:
  std::string helper_path_;
};

}  // namespace dmc::nstar
