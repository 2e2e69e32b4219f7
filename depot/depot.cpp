#include "depot/depot.hpp"

#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/fs.hpp"
#include "depot/detail.hpp"

namespace dmc::depot {
namespace {

constexpr mode_t kRootMode = 0700;

// NotFound when the directory behind fd was removed (its last link gone)
// while we waited for its lock.
Result<void> check_still_linked(int fd, std::string_view handle, const std::string& dir) {
  struct stat st;
  if (::fstat(fd, &st) < 0) return sys_error(dir);
  if (st.st_nlink == 0) return detail::unknown_handle(handle);
  return {};
}

Result<ContainerLock> lock_container(const Depot& depot, std::string_view handle,
                                     int operation) {
  DMC_CHECK(validate_handle(handle));
  const std::string dir = depot.dir(handle);
  auto fd = detail::open_dir(dir);
  if (!fd && (fd.error().err == ENOENT || fd.error().err == ENOTDIR)) {
    return detail::unknown_handle(handle);
  }
  if (!fd) return fd.error();
  DMC_TRY(acquired, detail::flock_fd(fd->get(), operation, dir));
  if (!acquired) return make_error(ErrorKind::Unavailable, "container '{}' is busy", handle);
  DMC_CHECK(check_still_linked(fd->get(), handle, dir));
  return ContainerLock(std::move(*fd));
}

// The lock of the directory at path, if nobody holds it (an empty fd when it
// is held or path is no directory).
UniqueFd lock_if_free(const std::string& path) {
  auto fd = detail::open_dir(path);
  if (!fd) return {};
  auto acquired = detail::flock_fd(fd->get(), LOCK_EX | LOCK_NB, path);
  if (!acquired || !*acquired) return {};
  return std::move(*fd);
}

// .tmp-<handle>-XXXXXX (mkdtemp's six characters) -> <handle>.
std::string handle_of_temporary(std::string_view name) {
  constexpr size_t kSuffix = 7;
  if (name.size() <= names::kTempPrefix.size() + kSuffix) return {};
  name.remove_prefix(names::kTempPrefix.size());
  name.remove_suffix(kSuffix);
  return std::string(name);
}

Result<std::vector<std::string>> entries_of(const std::string& root) {
  auto entries = detail::list_dir(root);
  if (!entries && entries.error().err == ENOENT) return std::vector<std::string>{};
  return entries;
}

}  // namespace

Depot::Depot(std::string root) : root_(std::move(root)) {
  while (root_.size() > 1 && root_.ends_with('/')) root_.pop_back();
}

std::string Depot::dir(std::string_view handle) const {
  return fmt::format("{}/{}", root_, handle);
}

std::string Depot::path(std::string_view handle, std::string_view name) const {
  return fmt::format("{}/{}/{}", root_, handle, name);
}

Result<void> Depot::init() const { return make_dirs(root_, kRootMode); }

Result<ContainerLock> Depot::lock(std::string_view handle) const {
  return lock_container(*this, handle, LOCK_EX);
}

Result<ContainerLock> Depot::try_lock(std::string_view handle) const {
  return lock_container(*this, handle, LOCK_EX | LOCK_NB);
}

// flock() cannot time out: polled, at first often (a run holds the lock
// for a few ms), then every 50 ms.
Result<ContainerLock> Depot::lock(std::string_view handle, std::chrono::milliseconds wait) const {
  using namespace std::chrono_literals;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::chrono::milliseconds pause = 1ms;
  for (;;) {
    auto held = try_lock(handle);
    if (held || held.error().kind != ErrorKind::Unavailable) return held;
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= 0s) return held;
    std::this_thread::sleep_for(std::min<std::chrono::nanoseconds>(pause, left));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

bool Depot::exists(std::string_view handle) const {
  return validate_handle(handle) && detail::is_dir(dir(handle));
}

Result<std::vector<std::string>> Depot::handles() const {
  DMC_TRY(entries, entries_of(root_));
  std::vector<std::string> out;
  for (auto& name : entries) {
    if (!name.starts_with('.') && detail::is_dir(dir(name))) out.push_back(std::move(name));
  }
  return out;
}

bool Depot::unfinished(std::string_view handle) const {
  auto state = read_state(handle);
  if (state) return state->status == Status::Creating;
  return state.error().err == ENOENT && exists(handle);
}

Result<std::vector<std::string>> Depot::stray_temporaries() const {
  DMC_TRY(entries, entries_of(root_));
  std::vector<std::string> out;
  for (const auto& name : entries) {
    if (!name.starts_with(names::kTempPrefix) || !lock_if_free(dir(name))) continue;
    if (auto handle = handle_of_temporary(name); !handle.empty()) out.push_back(handle);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<size_t> Depot::remove_temporaries(std::string_view handle) const {
  DMC_CHECK(validate_handle(handle));
  DMC_TRY(entries, entries_of(root_));
  size_t removed = 0;
  for (const auto& name : entries) {
    if (!name.starts_with(names::kTempPrefix) || handle_of_temporary(name) != handle) continue;
    UniqueFd held = lock_if_free(dir(name));
    if (!held) continue;
    DMC_CHECK(remove_tree(dir(name)));
    ++removed;
  }
  return removed;
}

Result<std::vector<std::string>> Depot::leftovers() const {
  auto root_fd = detail::open_dir(root_);
  if (!root_fd && root_fd.error().err == ENOENT) return std::vector<std::string>{};
  if (!root_fd) return root_fd.error();
  // No create() is between making its temporary and locking it while we look.
  DMC_CHECK(detail::flock_fd(root_fd->get(), LOCK_EX, root_));
  DMC_TRY(entries, entries_of(root_));
  std::vector<std::string> out;
  for (auto& name : entries) {
    bool temporary = name.starts_with(names::kTempPrefix);
    if (!temporary && name.starts_with('.')) continue;
    // The lock first, then state.json. A create holds the lock from before
    // its name appears until its state.json is written; looking at
    // state.json first, a create that finished in between was taken for a
    // crashed one and destroyed (seen with two creates at a time).
    UniqueFd held = lock_if_free(dir(name));
    if (!held) continue;
    if (temporary || unfinished(name)) out.push_back(std::move(name));
  }
  return out;
}

// A container is first renamed to a temporary of its handle, at once: a
// remove killed half way leaves a stray that list shows as incomplete and
// that destroy of the handle finishes, never a half-emptied container.
Result<void> Depot::remove(std::string_view name) const {
  DMC_CHECK(detail::validate_name(name));
  std::string target = dir(name);
  if (!path_exists(target)) return {};
  if (!name.starts_with(names::kTempPrefix)) {
    std::string temp = fmt::format("{}/{}{}-XXXXXX", root_, names::kTempPrefix, name);
    // An empty directory, which the rename replaces.
    if (::mkdtemp(temp.data()) == nullptr) return sys_error(temp);
    if (::rename(target.c_str(), temp.c_str()) < 0) {
      auto error = sys_error(fmt::format("rename {} to {}", target, temp));
      ::rmdir(temp.c_str());
      return error;
    }
    auto removed = remove_tree(temp);
    // Refused (a mount still inside): back under its name, for a later try.
    if (!removed) (void)::rename(temp.c_str(), target.c_str());
    return removed;
  }
  return remove_tree(target);
}

}  // namespace dmc::depot
