#include "stopper/cgroup_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "common/fs.hpp"
#include "common/unique_fd.hpp"

namespace dmc::stopper {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kFreezePoll = std::chrono::milliseconds(2);

// The root cgroup or a path that climbs out would mean every process on the
// host: never a container's cgroup.
bool valid_cgroup_path(const std::string& path) {
  return path.size() > 1 && path.front() == '/' && path.find("/..") == std::string::npos;
}

Result<void> write_control(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error(fmt::format("open {}", path));
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error(fmt::format("write {} to {}", value, path));
  return {};
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (e->d_type == DT_DIR && name != "." && name != "..") out.push_back(dir + "/" + e->d_name);
  }
  ::closedir(d);
  return out;
}

// A nested cgroup may go away while we walk: only the top one must exist.
Result<void> collect(const std::string& dir, bool top, int exclude, std::vector<int>& out) {
  auto pids = cgroup::procs(dir);
  if (!pids) {
    if (!top && pids.error().err == ENOENT) return {};
    return pids.error().wrap("list cgroup processes");
  }
  std::ranges::copy_if(*pids, std::back_inserter(out), [&](int p) { return p != exclude; });
  for (const auto& child : subdirs(dir)) DMC_CHECK(collect(child, false, exclude, out));
  return {};
}

}  // namespace

Result<CgroupDir> CgroupDir::locate(const std::vector<cgroup::Hierarchy>& hierarchies,
                                    const std::string& path) {
  if (!valid_cgroup_path(path)) {
    return make_error(ErrorKind::Invalid, "cgroup {}: not a container cgroup path", path);
  }
  bool v1_host = std::ranges::any_of(hierarchies, [](const auto& h) { return !h.v2; });
  const char* marker = v1_host ? "/freezer.state" : "/cgroup.procs";
  for (const auto& h : hierarchies) {
    if (h.v2 == v1_host) continue;
    std::string dir = h.mount_point + path;
    if (::access((dir + marker).c_str(), F_OK) == 0) return CgroupDir(dir, !v1_host);
  }
  return make_error(ErrorKind::NotFound, "cgroup {} not found", path);
}

Result<std::vector<int>> CgroupDir::members(int exclude) const {
  std::vector<int> out;
  DMC_CHECK(collect(dir_, true, exclude, out));
  return out;
}

Result<std::string> CgroupDir::freezer_state() const {
  if (!v2_) {
    DMC_TRY(text, read_file(dir_ + "/freezer.state"));
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }
  DMC_TRY(events, read_file(dir_ + "/cgroup.events"));
  bool frozen = events.starts_with("frozen 1") || events.find("\nfrozen 1") != std::string::npos;
  return std::string(frozen ? "frozen" : "thawed");
}

Result<bool> CgroupDir::self_frozen() const {
  DMC_TRY(text, read_file(dir_ + (v2_ ? "/cgroup.freeze" : "/freezer.self_freezing")));
  return text.starts_with("1");
}

std::vector<CgroupDir> CgroupDir::nested() const {
  std::vector<CgroupDir> out;
  for (size_t i = 0; i <= out.size(); ++i) {
    const std::string parent = i == 0 ? dir_ : out[i - 1].dir_;  // out grows below
    for (auto& child : subdirs(parent)) out.emplace_back(std::move(child), v2_);
  }
  return out;
}

// v1 may stay FREEZING for a while (a task in an uninterruptible sleep);
// writing FROZEN again makes the kernel retry, as runc does.
Result<void> CgroupDir::freeze(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  const std::string file = dir_ + (v2_ ? "/cgroup.freeze" : "/freezer.state");
  const std::string_view value = v2_ ? "1" : "FROZEN";
  const std::string_view frozen = v2_ ? "frozen" : "FROZEN";
  DMC_CHECK(write_control(file, value));
  for (;;) {
    DMC_TRY(state, freezer_state());
    if (state == frozen) return {};
    if (Clock::now() >= deadline) {
      return make_error(ErrorKind::Unavailable, "freeze cgroup {}: still {} after {} ms",
                        dir_, state, timeout.count());
    }
    std::this_thread::sleep_for(kFreezePoll);
    if (!v2_) DMC_CHECK(write_control(file, value));
  }
}

Result<void> CgroupDir::thaw() const {
  if (v2_) return write_control(dir_ + "/cgroup.freeze", "0");
  return write_control(dir_ + "/freezer.state", "THAWED");
}

FreezeGuard::~FreezeGuard() {
  if (armed_) (void)cgroup_.thaw();
}

Result<void> FreezeGuard::freeze(std::chrono::milliseconds timeout) {
  armed_ = true;
  return cgroup_.freeze(timeout);
}

}  // namespace dmc::stopper
