// What the nstar tests share: a real container made with the dmc CLI (and
// destroyed whatever happens), tar streams built with libarchive, and the
// helper driven through nstar::Nstar.
#pragma once

#include <cstdint>
#include <map>
#include <utility>
#include <string>
#include <vector>

#include "nstar/nstar.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

namespace dmc::test {

inline const nstar::StreamUser kRoot{0, 0, {}, "/root"};
inline const nstar::StreamUser kNobody{65534, 65534, {}, "/nonexistent"};

struct TarEntry {
  enum Type { File, Dir, Symlink, Hardlink, BlockDevice };
  std::string name;
  Type type = File;
  std::string data;
  unsigned mode = 0644;
  std::string link;  // symlink or hard link target
  uint32_t uid = 0;
  uint32_t gid = 0;
};
TarEntry tar_file(std::string name, std::string data, unsigned mode = 0644);
TarEntry tar_dir(std::string name, unsigned mode = 0755);
TarEntry tar_symlink(std::string name, std::string target);
TarEntry tar_hardlink(std::string name, std::string target);

// A pax tar stream of entries, in order, written as given (no name cleaning).
std::string make_tar(const std::vector<TarEntry>& entries);
// The entries of a tar stream, in order, with their data; fails the test
// if it does not parse to its end.
std::vector<std::pair<std::string, std::string>> tar_entries(const std::string& tar);
std::vector<std::string> tar_names(const std::string& tar);

struct StreamedOut {
  Result<void> result;
  std::string bytes;  // whatever reached the output, even on failure
};

// A running container and an Nstar that uses the built dmc-nstar.
class ContainerFixture {
 public:
  ContainerFixture();

  Result<void> stream_in(const nstar::StreamUser& user, const std::string& destination,
                         const std::string& tar);
  StreamedOut stream_out(const nstar::StreamUser& user, const std::string& source);

  // The container's path as seen from the host.
  std::string host_path(const std::string& container_path) const { return rootfs + container_path; }

  DmcEnv env;
  TempDir scratch;
  std::string handle;
  int init_pid = 0;
  std::string rootfs;
  nstar::Nstar nstar;
};

// What a tree holds: relative path -> type, mode, owner, size, content,
// link target, mtime, user.test xattr. Content is kept for regular files.
struct FileInfo {
  char type = '?';
  unsigned mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string content;
  std::string link;
  int64_t mtime = 0;
  std::string xattr;
  uint64_t inode = 0;
  bool operator==(const FileInfo& o) const {
    return type == o.type && mode == o.mode && content == o.content && link == o.link &&
           mtime == o.mtime && xattr == o.xattr;
  }
};
std::map<std::string, FileInfo> tree_of(const std::string& root);
// lstat of path (fails the test when missing).
FileInfo info_of(const std::string& path);
bool exists(const std::string& path);

}  // namespace dmc::test
