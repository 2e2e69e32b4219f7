#include "nstar/archive_out.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "common/unique_fd.hpp"
#include "nstar/archive_error.hpp"
#include "nstar/fd_io.hpp"

namespace dmc::nstar {
namespace {

// A big file is read in pieces that the Gatherer writes out as they are.
constexpr size_t kReadSize = Gatherer::kGatherSize;

// One thing to archive, looked at once: what fstat says is what is written.
struct Node {
  struct stat st {};
  UniqueFd fd;         // directories and regular files
  std::string target;  // symlinks
};

Result<std::string> read_link(int dir_fd, const std::string& name, const std::string& shown) {
  std::string target(256, '\0');
  for (;;) {
    ssize_t n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
    if (n < 0) return sys_error("readlink " + shown);
    if (static_cast<size_t>(n) < target.size()) {
      target.resize(static_cast<size_t>(n));
      return target;
    }
    target.resize(target.size() * 2);
  }
}

// Never follows a symlink, never opens anything but a directory or a
// regular file, and checks that what it opened is what it looked at.
Result<Node> open_node(int dir_fd, const std::string& name, const std::string& shown) {
  Node node;
  if (::fstatat(dir_fd, name.c_str(), &node.st, AT_SYMLINK_NOFOLLOW) < 0) {
    return sys_error("stat " + shown);
  }
  if (S_ISLNK(node.st.st_mode)) {
    DMC_TRY(target, read_link(dir_fd, name, shown));
    node.target = std::move(target);
    return node;
  }
  bool dir = S_ISDIR(node.st.st_mode);
  if (!dir && !S_ISREG(node.st.st_mode)) return node;
  int flags = dir ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NONBLOCK | O_NOCTTY;
  node.fd.reset(::openat(dir_fd, name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC));
  if (!node.fd) return sys_error("open " + shown);
  struct stat opened {};
  if (::fstat(node.fd.get(), &opened) < 0) return sys_error("stat " + shown);
  if (opened.st_dev != node.st.st_dev || opened.st_ino != node.st.st_ino) {
    return make_error(ErrorKind::Unavailable, "{}: replaced while being read", shown);
  }
  node.st = opened;
  return node;
}

Result<std::vector<std::string>> list_dir(int dir_fd, const std::string& shown) {
  int fd = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error("open " + shown);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd), ::closedir);
  if (!dir) {
    ::close(fd);
    return sys_error("opendir " + shown);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* e = ::readdir(dir.get())) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  if (errno != 0) return sys_error("readdir " + shown);
  std::sort(names.begin(), names.end());
  return names;
}

// Every extended attribute we may read; the ones we may not are left out.
void add_xattrs(int fd, archive_entry* entry) {
  ssize_t size = ::flistxattr(fd, nullptr, 0);
  if (size <= 0) return;
  std::string names(static_cast<size_t>(size), '\0');
  size = ::flistxattr(fd, names.data(), names.size());
  if (size <= 0) return;
  names.resize(static_cast<size_t>(size));
  for (size_t at = 0; at < names.size(); at = names.find('\0', at) + 1) {
    const char* name = names.c_str() + at;
    ssize_t length = ::fgetxattr(fd, name, nullptr, 0);
    if (length < 0) continue;
    std::string value(static_cast<size_t>(length), '\0');
    length = ::fgetxattr(fd, name, value.data(), value.size());
    if (length < 0) continue;
    archive_entry_xattr_add_entry(entry, name, value.data(), static_cast<size_t>(length));
  }
}

struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
struct ResolverFree {
  void operator()(archive_entry_linkresolver* r) const { archive_entry_linkresolver_free(r); }
};

class TarWriter {
 public:
  explicit TarWriter(int out_fd)
      : a_(archive_write_new()), links_(archive_entry_linkresolver_new()), out_(out_fd) {}
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;
  // A stream that failed half way ends there: no end-of-archive marker
  // that would make it look whole.
  ~TarWriter() {
    if (a_ && !closed_) archive_write_fail(a_);
    if (a_) archive_write_free(a_);
  }

  Result<void> open();
  Result<void> add(const Node& node, const std::string& entry_name, const std::string& shown);
  Result<void> close();

 private:
  Result<void> write_data(int fd, int64_t size, const std::string& shown);
  Result<void> add_children(const Node& dir, const std::string& prefix, const std::string& shown);

  archive* a_;
  std::unique_ptr<archive_entry_linkresolver, ResolverFree> links_;
  Gatherer out_;
  // Not zeroed: only the pages a read fills are ever touched.
  std::unique_ptr<char[]> buffer_ = std::make_unique_for_overwrite<char[]>(kReadSize);
  bool closed_ = false;
};

Result<void> TarWriter::open() {
  if (!a_ || !links_) return make_error(ErrorKind::Internal, "libarchive: out of memory");
  // Extended attributes as SCHILY.xattr only, the keyword GNU tar and Go's
  // archive/tar read (the LIBARCHIVE.xattr copy makes GNU tar warn).
  // Unblocked: out_ does the blocking, without copying big files' data
  // again, and pads nothing after the end-of-archive blocks (a reader that
  // stops there, as GNU tar does, has then read every byte: no EPIPE).
  if (archive_write_set_format_pax_restricted(a_) != ARCHIVE_OK ||
      archive_write_set_format_option(a_, "pax", "xattrheader", "SCHILY") != ARCHIVE_OK ||
      archive_write_set_bytes_per_block(a_, 0) != ARCHIVE_OK) {
    return archive_failure("set up archive", a_);
  }
  archive_entry_linkresolver_set_strategy(links_.get(), archive_format(a_));
  if (open_archive_writer(a_, out_) != ARCHIVE_OK) return archive_failure("write archive", a_);
  return {};
}

Result<void> TarWriter::close() {
  closed_ = true;
  if (archive_write_close(a_) != ARCHIVE_OK) return archive_failure("write archive", a_);
  if (!out_.flush()) return sys_error("write archive: write error");
  return {};
}

Result<void> TarWriter::write_data(int fd, int64_t size, const std::string& shown) {
  while (size > 0) {
    size_t want = static_cast<size_t>(std::min<int64_t>(size, kReadSize));
    ssize_t n = ::read(fd, buffer_.get(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read " + shown);
    if (n == 0) return {};  // it shrank: libarchive pads the entry with zeros
    if (archive_write_data(a_, buffer_.get(), static_cast<size_t>(n)) < 0) {
      return archive_failure("write archive", a_);
    }
    size -= n;
  }
  return {};
}

Result<void> TarWriter::add(const Node& node, const std::string& entry_name,
                            const std::string& shown) {
  if (S_ISSOCK(node.st.st_mode)) return {};  // tar has no sockets
  std::unique_ptr<archive_entry, EntryFree> owned(archive_entry_new());
  archive_entry* entry = owned.get();
  archive_entry_copy_stat(entry, &node.st);
  archive_entry_copy_pathname(entry, entry_name.c_str());
  if (S_ISLNK(node.st.st_mode)) archive_entry_copy_symlink(entry, node.target.c_str());
  if (!S_ISREG(node.st.st_mode)) archive_entry_set_size(entry, 0);
  if (node.fd) add_xattrs(node.fd.get(), entry);
  archive_entry* spare = nullptr;  // only deferring strategies (cpio) use it
  archive_entry_linkify(links_.get(), &entry, &spare);
  if (spare) archive_entry_free(spare);
  int r = archive_write_header(a_, entry);
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return archive_failure("write archive", a_);
  if (S_ISREG(node.st.st_mode) && archive_entry_hardlink(entry) == nullptr) {
    DMC_CHECK(write_data(node.fd.get(), node.st.st_size, shown));
  }
  r = archive_write_finish_entry(a_);
  if (r != ARCHIVE_OK && r != ARCHIVE_WARN) return archive_failure("write archive", a_);
  if (S_ISDIR(node.st.st_mode)) return add_children(node, entry_name, shown);
  return {};
}

Result<void> TarWriter::add_children(const Node& dir, const std::string& prefix,
                                     const std::string& shown) {
  DMC_TRY(names, list_dir(dir.fd.get(), shown));
  std::string base = shown.ends_with('/') ? shown : shown + "/";
  for (const auto& name : names) {
    auto child = open_node(dir.fd.get(), name, base + name);
    // Removed since we listed it: a live container changes; leave it out.
    if (!child && child.error().err == ENOENT) continue;
    if (!child) return std::move(child).error();
    std::string entry_name = prefix + name + (S_ISDIR(child->st.st_mode) ? "/" : "");
    DMC_CHECK(add(*child, entry_name, base + name));
  }
  return {};
}

}  // namespace

Result<void> write_archive(int dir_fd, const std::string& name, const std::string& shown,
                           int out_fd) {
  DMC_TRY(top, open_node(dir_fd, name, shown));
  if (S_ISSOCK(top.st.st_mode)) {
    return make_error(ErrorKind::Invalid, "{}: a socket cannot be archived", shown);
  }
  std::string entry_name = name == "." ? "./" : name + (S_ISDIR(top.st.st_mode) ? "/" : "");
  TarWriter writer(out_fd);
  DMC_CHECK(writer.open());
  DMC_CHECK(writer.add(top, entry_name, shown));
  return writer.close();
}

}  // namespace dmc::nstar
