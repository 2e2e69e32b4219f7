// A sealed in-memory copy of the runtime binary, run instead of the file.
//
// runc and crun guard against CVE-2019-5736 (a container overwriting the
// runtime through /proc/<pid>/exe) by re-executing themselves from a
// read-only handle: crun on every command (a bind mount of /proc/self/exe,
// then fexecve), runc in every `runc init`. Both skip that step when their
// /proc/self/exe is already a memfd carrying exactly the seals SEAL, SHRINK,
// GROW and WRITE, as runc's memfd-bind documents: such a file cannot be
// written by anyone. Measured here (bench/): a crun call 19.6 -> 14.4 ms,
// a runc exec 58 -> 56 ms, with the copy made once; made per call, the copy
// of crun (0.5 MB) still gains 3 ms, that of runc (8.7 MB) loses 3.6 ms.
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::runrunc {

class SealedBinary {
 public:
  // Copies nothing until the first current(): a command that never runs
  // the runtime pays nothing.
  explicit SealedBinary(std::string path) : path_(std::move(path)) {}
  // Copies path into a sealed memfd now; fails when this kernel cannot.
  static Result<std::shared_ptr<SealedBinary>> make(const std::string& path);

  // The copy to execute (execveat, AT_EMPTY_PATH), kept open while the
  // caller holds it. Made again first when the file at the path is no
  // longer the one copied (the package was upgraded): a long-lived dmcd
  // runs the runtime that is installed, not the one it started with.
  // nullptr: run the binary by its path (it is gone, or cannot be copied).
  std::shared_ptr<const UniqueFd> current();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long mtime_ns = 0;
    bool operator==(const Identity&) const = default;
  };
  static Result<Identity> identity_of(int fd);
  // The file open at fd, copied and sealed.
  static Result<std::shared_ptr<const UniqueFd>> copy_of(int fd, off_t size,
                                                         const std::string& name);

  const std::string path_;
  std::mutex mutex_;  // guards identity_ and copy_
  Identity identity_;
  std::shared_ptr<const UniqueFd> copy_;  // nullptr until the first copy
};

}  // namespace dmc::runrunc
