#include "runrunc/sealed_binary.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>

#include <utility>

namespace dmc::runrunc {
namespace {

// The seals runc and crun look for, no more and no fewer.
constexpr int kSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

#ifndef MFD_EXEC
constexpr unsigned kMfdExec = 0x0010U;  // linux/memfd.h, from 6.3
#else
constexpr unsigned kMfdExec = MFD_EXEC;
#endif

// Executable even where vm.memfd_noexec makes memfds noexec by default;
// kernels before 6.3 know no MFD_EXEC and make every memfd executable.
UniqueFd make_memfd(const std::string& name) {
  UniqueFd fd(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING | kMfdExec));
  if (!fd && errno == EINVAL) fd.reset(::memfd_create(name.c_str(), MFD_CLOEXEC | MFD_ALLOW_SEALING));
  return fd;
}

std::string base_name(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

Result<SealedBinary::Identity> SealedBinary::identity_of(int fd) {
  struct stat st{};
  if (::fstat(fd, &st) < 0) return sys_error("fstat");
  if (!S_ISREG(st.st_mode)) return make_error(ErrorKind::Invalid, "not a regular file");
  return Identity{.dev = st.st_dev,
                  .ino = st.st_ino,
                  .size = st.st_size,
                  .mtime_ns = st.st_mtim.tv_sec * 1'000'000'000L + st.st_mtim.tv_nsec};
}

Result<std::shared_ptr<const UniqueFd>> SealedBinary::copy_of(int fd, off_t size,
                                                              const std::string& name) {
  // Named after the binary: /proc/<pid>/exe reads "/memfd:crun (deleted)".
  UniqueFd copy = make_memfd(name);
  if (!copy) return sys_error("memfd_create");
  off_t offset = 0;
  while (offset < size) {
    ssize_t n = ::sendfile(copy.get(), fd, &offset, static_cast<size_t>(size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("sendfile");
    if (n == 0) return make_error(ErrorKind::Internal, "{} shrank while being copied", name);
  }
  if (::fcntl(copy.get(), F_ADD_SEALS, kSeals) < 0) return sys_error("seal");
  return std::make_shared<const UniqueFd>(std::move(copy));
}

Result<std::shared_ptr<SealedBinary>> SealedBinary::make(const std::string& path) {
  auto made = [&]() -> Result<std::shared_ptr<SealedBinary>> {
    UniqueFd file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!file) return sys_error("open");
    DMC_TRY(identity, identity_of(file.get()));
    DMC_TRY(copy, copy_of(file.get(), identity.size, base_name(path)));
    auto sealed = std::make_shared<SealedBinary>(path);
    sealed->identity_ = identity;
    sealed->copy_ = std::move(copy);
    return sealed;
  }();
  if (!made) return made.error().wrap(fmt::format("sealed copy of {}", path));
  return made;
}

std::shared_ptr<const UniqueFd> SealedBinary::current() {
  std::lock_guard lock(mutex_);
  UniqueFd file(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (!file) return nullptr;  // run by path: that call says what is wrong
  auto identity = identity_of(file.get());
  if (!identity) return nullptr;
  if (copy_ && *identity == identity_) return copy_;
  // First use, or replaced: copy the file; should that fail, it is run by
  // its path, never an old copy.
  auto copy = copy_of(file.get(), identity->size, base_name(path_));
  if (!copy) return nullptr;
  identity_ = *identity;
  copy_ = std::move(*copy);
  return copy_;
}

}  // namespace dmc::runrunc
