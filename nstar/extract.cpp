#include "nstar/extract.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string_view>
#include <vector>

#include "nstar/archive_error.hpp"
#include "nstar/fd_io.hpp"

namespace dmc::nstar {
namespace {

constexpr size_t kReadBlock = 1 << 20;
constexpr int kExtractFlags =
    ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_XATTR |
    ARCHIVE_EXTRACT_SECURE_SYMLINKS | ARCHIVE_EXTRACT_SECURE_NODOTDOT |
    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
using Reader = std::unique_ptr<archive, ReadFree>;
using DiskWriter = std::unique_ptr<archive, WriteFree>;

bool ok(int r) { return r == ARCHIVE_OK || r == ARCHIVE_WARN; }

// Relative and without "..": stays inside the directory it is taken from
// (unless a symlink on the way says otherwise, which libarchive checks).
bool stays_inside(std::string_view name) {
  if (name.starts_with('/')) return false;
  while (!name.empty()) {
    size_t slash = name.find('/');
    if (name.substr(0, slash) == "..") return false;
    name = slash == std::string_view::npos ? "" : name.substr(slash + 1);
  }
  return true;
}

Result<void> check_entry(archive_entry* entry) {
  const char* name = archive_entry_pathname(entry);
  if (name == nullptr || *name == '\0') {
    return make_error(ErrorKind::Invalid, "an entry without a name");
  }
  if (!stays_inside(name)) {
    return make_error(ErrorKind::Invalid, "entry '{}': path leads outside the destination", name);
  }
  if (const char* target = archive_entry_hardlink(entry)) {
    if (!stays_inside(target)) {
      return make_error(ErrorKind::Invalid,
                        "entry '{}': hard link to '{}' leads outside the destination", name,
                        target);
    }
    // pax lets a hard link carry data, which would be written into whatever
    // it links to (a device node made by the container, say): never.
    archive_entry_set_size(entry, 0);
  }
  auto type = archive_entry_filetype(entry);
  if (type == AE_IFCHR || type == AE_IFBLK) {
    return make_error(ErrorKind::Invalid, "entry '{}': device nodes are not allowed", name);
  }
  return {};
}

Result<void> copy_data(archive* in, archive* out, const std::string& name) {
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    int r = archive_read_data_block(in, &block, &size, &offset);
    if (r == ARCHIVE_EOF) return {};
    if (!ok(r)) return archive_failure("read archive", in, ErrorKind::Invalid);
    if (!ok(static_cast<int>(archive_write_data_block(out, block, size, offset)))) {
      return archive_failure("extract " + name, out, ErrorKind::Invalid);
    }
  }
}

// A directory's times, set again once everything is in it: libarchive
// defers them only for directories it creates, so an existing one (the
// destination itself, as "./") would keep the time of its last change.
struct DirTimes {
  std::string name;
  timespec times[2];  // atime, mtime
};

DirTimes dir_times(archive_entry* entry) {
  DirTimes d{archive_entry_pathname(entry), {{0, UTIME_OMIT}, {0, UTIME_OMIT}}};
  while (d.name.size() > 1 && d.name.ends_with('/')) d.name.pop_back();  // never follow
  if (archive_entry_atime_is_set(entry)) {
    d.times[0] = {archive_entry_atime(entry), archive_entry_atime_nsec(entry)};
  }
  if (archive_entry_mtime_is_set(entry)) {
    d.times[1] = {archive_entry_mtime(entry), archive_entry_mtime_nsec(entry)};
  }
  return d;
}

// Best effort, like the rest of the metadata: a directory we may not touch
// keeps its times.
void restore_times(const std::vector<DirTimes>& dirs) {
  for (const auto& d : dirs) ::utimensat(AT_FDCWD, d.name.c_str(), d.times, AT_SYMLINK_NOFOLLOW);
}

Result<void> extract_entry(archive* in, archive* out, archive_entry* entry) {
  DMC_CHECK(check_entry(entry));
  std::string name = archive_entry_pathname(entry);
  auto failed = [&] { return archive_failure("extract " + name, out, ErrorKind::Invalid); };
  if (!ok(archive_write_header(out, entry))) return failed();
  if (archive_entry_size(entry) > 0) DMC_CHECK(copy_data(in, out, name));
  if (!ok(archive_write_finish_entry(out))) return failed();
  return {};
}

// The stream's first header (null at the end of an archive without
// entries). A stream of zero bytes is no archive at all: refused.
Result<archive_entry*> first_header(archive* in) {
  archive_entry* entry = nullptr;
  int r = archive_read_next_header(in, &entry);
  if (r == ARCHIVE_EOF && archive_format(in) == ARCHIVE_FORMAT_EMPTY) {
    return make_error(ErrorKind::Invalid, "empty tar stream");
  }
  if (r == ARCHIVE_EOF) return nullptr;
  if (!ok(r)) return archive_failure("read archive", in, ErrorKind::Invalid);
  return entry;
}

}  // namespace

Result<void> extract(int in_fd, const std::function<Result<UniqueFd>()>& open_destination) {
  FdSource source{in_fd, kReadBlock};  // outlives the reader
  Reader in(archive_read_new());
  DiskWriter out(archive_write_disk_new());
  if (!in || !out) return make_error(ErrorKind::Internal, "libarchive: out of memory");
  archive_read_support_format_tar(in.get());
  archive_read_support_format_empty(in.get());
  if (open_archive_reader(in.get(), source) != ARCHIVE_OK) {
    return archive_failure("read archive", in.get(), ErrorKind::Invalid);
  }
  DMC_TRY(entry, first_header(in.get()));
  DMC_TRY(dir, open_destination());
  if (::fchdir(dir.get()) < 0) return sys_error("chdir to the destination");
  archive_write_disk_set_options(out.get(), kExtractFlags);
  std::vector<DirTimes> dirs;
  while (entry != nullptr) {
    DMC_CHECK(extract_entry(in.get(), out.get(), entry));
    if (archive_entry_filetype(entry) == AE_IFDIR) dirs.push_back(dir_times(entry));
    int r = archive_read_next_header(in.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (!ok(r)) return archive_failure("read archive", in.get(), ErrorKind::Invalid);
  }
  if (!ok(archive_write_close(out.get()))) return archive_failure("extract", out.get());
  restore_times(dirs);
  return {};
}

void drain(int fd) {
  // Not zeroed: usually nothing is left to read, and no page is touched.
  auto buffer = std::make_unique_for_overwrite<char[]>(kReadBlock);
  while (read_some(fd, buffer.get(), kReadBlock) > 0) {
  }
}

}  // namespace dmc::nstar
