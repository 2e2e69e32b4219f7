#include "nstar/enter.hpp"

#include <fcntl.h>
#include <grp.h>
#include <iconv.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <clocale>

#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "nstar/mounts.hpp"

namespace dmc::nstar {
namespace {

struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};

Result<FileId> file_id(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) < 0) return sys_error("stat " + path);
  return FileId{st.st_dev, st.st_ino};
}

Result<FileId> file_id(int fd, const std::string& what) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) return sys_error("stat " + what);
  return FileId{st.st_dev, st.st_ino};
}

// Opened through the proven /proc/<pid> fd: the init's own, or an error
// once it has exited.
Result<UniqueFd> open_at(int proc_fd, int pid, const char* name, int flags) {
  UniqueFd fd(::openat(proc_fd, name, flags | O_CLOEXEC));
  if (!fd) return sys_error(fmt::format("open /proc/{}/{}", pid, name));
  return fd;
}

Result<std::string> read_at(int proc_fd, int pid, const char* name) {
  DMC_TRY(fd, open_at(proc_fd, pid, name, O_RDONLY));
  return read_fd(fd.get());
}

Result<UniqueFd> prove_init(const proc::Claim& init) {
  auto proven = proc::open_proven(init);
  if (!proven) {
    return make_error(ErrorKind::ContainerNotRunning, "the container's init is gone: {}",
                      proven.error().message);
  }
  return proven;
}

// The init's root, through an fd taken before we leave the host.
Result<void> take_root(int root_fd) {
  if (::fchdir(root_fd) < 0) return sys_error("fchdir to the container's root");
  if (::chroot(".") < 0) return sys_error("chroot to the container's root");
  if (::chdir("/") < 0) return sys_error("chdir /");
  return {};
}

// A copy of the namespace of our own; nothing done in it reaches the container.
Result<void> private_copy_without(const std::vector<std::string>& kernel_mounts) {
  if (::unshare(CLONE_NEWNS) < 0) return sys_error("unshare mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) {
    return sys_error("make mounts private");
  }
  for (auto it = kernel_mounts.rbegin(); it != kernel_mounts.rend(); ++it) {
    if (::umount2(it->c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) continue;
    // Already gone with a mount above it, or not reachable from our root.
    if (errno == EINVAL || errno == ENOENT) continue;
    return sys_error("detach " + *it);
  }
  return {};
}

// The capabilities a container's root has that matter for files.
Result<void> keep_file_capabilities() {
  constexpr uint64_t keep = (1ULL << CAP_DAC_OVERRIDE) | (1ULL << CAP_FOWNER) |
                            (1ULL << CAP_FSETID) | (1ULL << CAP_SETFCAP);
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int i = 0; i < 2; ++i) {
    auto word = static_cast<uint32_t>(keep >> (32 * i));
    data[i].effective = data[i].permitted = word;
  }
  if (::syscall(SYS_capset, &header, data) < 0) return sys_error("capset");
  return {};
}

}  // namespace

Result<void> prepare_process() {
  if (::close_range(3, ~0U, 0) < 0) return sys_error("close_range");
  ::umask(022);
  ::signal(SIGPIPE, SIG_IGN);
  // Names in a tar stream are bytes; a UTF-8 locale keeps pax names as they
  // are. Failing to load it leaves "C", which works the same for ASCII.
  std::setlocale(LC_CTYPE, "C.UTF-8");
  // The first iconv_open reads the gconv configuration once for the whole
  // process; libarchive's later ones (UTF-8 only, built into the C library)
  // then never look at the container's files.
  iconv_t cd = ::iconv_open("UTF-8", "ASCII");
  if (cd == reinterpret_cast<iconv_t>(-1)) return sys_error("iconv_open");
  ::iconv_close(cd);
  return {};
}

Result<void> enter_container(const proc::Claim& init) {
  const int pid = init.pid;
  DMC_TRY(proc_fd, prove_init(init));
  DMC_TRY(ns, open_at(proc_fd.get(), pid, "ns/mnt", O_RDONLY));
  DMC_TRY(theirs, file_id(ns.get(), "ns/mnt"));
  DMC_TRY(ours, file_id("/proc/self/ns/mnt"));
  if (theirs == ours) {
    return make_error(ErrorKind::Invalid,
                      "process {} is not in a container: it shares our mount namespace", pid);
  }
  DMC_TRY(host_root, file_id("/"));
  DMC_TRY(root, open_at(proc_fd.get(), pid, "root", O_PATH | O_DIRECTORY));
  DMC_TRY(mountinfo, read_at(proc_fd.get(), pid, "mountinfo"));
  auto kernel_mounts = kernel_mount_points(mountinfo);
  proc_fd.reset();

  if (::setns(ns.get(), CLONE_NEWNS) < 0) return sys_error(fmt::format("setns /proc/{}/ns/mnt", pid));
  DMC_CHECK(take_root(root.get()));
  root.reset();
  ns.reset();
  DMC_CHECK(private_copy_without(kernel_mounts));
  DMC_TRY(now, file_id("/"));
  if (now == host_root) {
    return make_error(ErrorKind::Invalid, "process {}: its root is the host's root", pid);
  }
  return {};
}

Result<void> become_user(const StreamUser& user) {
  std::vector<gid_t> groups(user.groups.begin(), user.groups.end());
  if (::setgroups(groups.size(), groups.data()) < 0) return sys_error("setgroups");
  if (::setgid(user.gid) < 0) return sys_error(fmt::format("setgid {}", user.gid));
  if (::setuid(user.uid) < 0) return sys_error(fmt::format("setuid {}", user.uid));
  if (user.uid == 0) return keep_file_capabilities();
  return {};
}

}  // namespace dmc::nstar
