#include "nstar_fixture.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <doctest/doctest.h>

namespace dmc::test {
namespace {

la_ssize_t append_to_string(archive*, void* out, const void* buffer, size_t size) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), size);
  return static_cast<la_ssize_t>(size);
}

unsigned type_bits(TarEntry::Type type) {
  switch (type) {
    case TarEntry::Dir: return AE_IFDIR;
    case TarEntry::Symlink: return AE_IFLNK;
    case TarEntry::BlockDevice: return AE_IFBLK;
    default: return AE_IFREG;
  }
}

void add_entry(archive* a, const TarEntry& t) {
  archive_entry* e = archive_entry_new();
  archive_entry_copy_pathname(e, t.name.c_str());
  archive_entry_set_mode(e, type_bits(t.type) | t.mode);
  archive_entry_set_uid(e, t.uid);
  archive_entry_set_gid(e, t.gid);
  archive_entry_set_mtime(e, 1700000000, 0);
  archive_entry_set_size(e, t.type == TarEntry::File ? static_cast<la_int64_t>(t.data.size()) : 0);
  if (t.type == TarEntry::Symlink) archive_entry_copy_symlink(e, t.link.c_str());
  if (t.type == TarEntry::Hardlink) archive_entry_copy_hardlink(e, t.link.c_str());
  if (t.type == TarEntry::BlockDevice) archive_entry_set_rdev(e, makedev(8, 0));
  REQUIRE(archive_write_header(a, e) == ARCHIVE_OK);
  if (t.type == TarEntry::File && !t.data.empty()) {
    REQUIRE(archive_write_data(a, t.data.data(), t.data.size()) ==
            static_cast<la_ssize_t>(t.data.size()));
  }
  archive_entry_free(e);
}

std::string xattr_of(const std::string& path) {
  char value[256];
  ssize_t n = ::lgetxattr(path.c_str(), "user.test", value, sizeof value);
  return n < 0 ? "" : std::string(value, static_cast<size_t>(n));
}

char type_char(mode_t mode) {
  if (S_ISDIR(mode)) return 'd';
  if (S_ISLNK(mode)) return 'l';
  if (S_ISREG(mode)) return 'f';
  return 'o';
}

void walk(const std::string& root, const std::string& rel, std::map<std::string, FileInfo>& out) {
  std::string key = rel.empty() ? "." : rel;
  std::string path = rel.empty() ? root : root + "/" + rel;
  out[key] = info_of(path);
  if (out[key].type != 'd') return;
  DIR* dir = ::opendir(path.c_str());
  REQUIRE(dir);
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    walk(root, rel.empty() ? name : rel + "/" + name, out);
  }
  ::closedir(dir);
}

}  // namespace

TarEntry tar_file(std::string name, std::string data, unsigned mode) {
  TarEntry e;
  e.name = std::move(name);
  e.data = std::move(data);
  e.mode = mode;
  return e;
}

TarEntry tar_dir(std::string name, unsigned mode) {
  TarEntry e;
  e.name = std::move(name);
  e.type = TarEntry::Dir;
  e.mode = mode;
  return e;
}

TarEntry tar_symlink(std::string name, std::string target) {
  TarEntry e;
  e.name = std::move(name);
  e.type = TarEntry::Symlink;
  e.mode = 0777;
  e.link = std::move(target);
  return e;
}

TarEntry tar_hardlink(std::string name, std::string target) {
  TarEntry e;
  e.name = std::move(name);
  e.type = TarEntry::Hardlink;
  e.link = std::move(target);
  return e;
}

std::string make_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  REQUIRE(archive_write_set_format_pax_restricted(a) == ARCHIVE_OK);
  REQUIRE(archive_write_set_bytes_in_last_block(a, 1) == ARCHIVE_OK);
  REQUIRE(archive_write_open(a, &out, nullptr, append_to_string, nullptr) == ARCHIVE_OK);
  for (const auto& entry : entries) add_entry(a, entry);
  REQUIRE(archive_write_close(a) == ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

std::vector<std::pair<std::string, std::string>> tar_entries(const std::string& tar) {
  std::vector<std::pair<std::string, std::string>> entries;
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_memory(a, tar.data(), tar.size()) == ARCHIVE_OK);
  archive_entry* e = nullptr;
  int r;
  while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
    std::string data(static_cast<size_t>(archive_entry_size(e)), '\0');
    if (!data.empty()) {
      CHECK(archive_read_data(a, data.data(), data.size()) ==
            static_cast<la_ssize_t>(data.size()));
    }
    entries.emplace_back(archive_entry_pathname(e), std::move(data));
  }
  CHECK_MESSAGE(r == ARCHIVE_EOF, archive_error_string(a));
  archive_read_free(a);
  return entries;
}

std::vector<std::string> tar_names(const std::string& tar) {
  std::vector<std::string> names;
  for (auto& [name, data] : tar_entries(tar)) names.push_back(name);
  return names;
}

ContainerFixture::ContainerFixture() : nstar(std::string(DMC_BIN_DIR) + "/dmc-nstar") {
  REQUIRE_MESSAGE(::access((std::string(DMC_BIN_DIR) + "/dmc-nstar").c_str(), X_OK) == 0,
                  "build dmc-nstar first");
  handle = env.create();
  init_pid = env.init_pid(handle);
  rootfs = env.depot() + "/" + handle + "/rootfs";
}

Result<void> ContainerFixture::stream_in(const nstar::StreamUser& user,
                                         const std::string& destination, const std::string& tar) {
  std::string path = scratch / "in.tar";
  write_text(path, tar);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  return nstar.stream_in(proc::Claim{.pid = init_pid}, user, destination, fd.get());
}

StreamedOut ContainerFixture::stream_out(const nstar::StreamUser& user, const std::string& source) {
  std::string path = scratch / "out.tar";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  REQUIRE(fd);
  auto result = nstar.stream_out(proc::Claim{.pid = init_pid}, user, source, fd.get());
  fd.reset();
  return {result, read_text(path)};
}

FileInfo info_of(const std::string& path) {
  struct stat st {};
  REQUIRE_MESSAGE(::lstat(path.c_str(), &st) == 0, path);
  FileInfo info;
  info.type = type_char(st.st_mode);
  info.mode = st.st_mode & 07777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.mtime = st.st_mtim.tv_sec;
  info.inode = st.st_ino;
  if (info.type == 'f') info.content = read_text(path);
  if (info.type == 'l') {
    char target[4096];
    ssize_t n = ::readlink(path.c_str(), target, sizeof target);
    REQUIRE(n >= 0);
    info.link.assign(target, static_cast<size_t>(n));
  }
  if (info.type != 'l') info.xattr = xattr_of(path);
  return info;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::map<std::string, FileInfo> tree_of(const std::string& root) {
  std::map<std::string, FileInfo> out;
  walk(root, "", out);
  return out;
}

}  // namespace dmc::test
