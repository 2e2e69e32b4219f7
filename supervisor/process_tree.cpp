#include "supervisor/process_tree.hpp"

#include <dirent.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <sstream>
#include <string>

#include "common/fs.hpp"

namespace dmc::supervisor {
namespace {

// More than a probe command ever starts; a bound against a fork bomb.
constexpr size_t kMaxDescendants = 1024;

std::vector<int> tasks_of(int pid) {
  std::vector<int> out;
  DIR* dir = ::opendir(fmt::format("/proc/{}/task", pid).c_str());
  if (!dir) return out;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') out.push_back(std::atoi(e->d_name));
  }
  ::closedir(dir);
  return out;
}

std::vector<int> children_of(int pid) {
  std::vector<int> out;
  for (int tid : tasks_of(pid)) {
    auto text = read_file(fmt::format("/proc/{}/task/{}/children", pid, tid));
    if (!text) continue;
    std::istringstream words(*text);
    for (int child = 0; words >> child;) out.push_back(child);
  }
  return out;
}

bool contains(const std::vector<int>& list, int pid) {
  return std::find(list.begin(), list.end(), pid) != list.end();
}

}  // namespace

std::vector<proc::Claim> descendants(int pid) {
  std::vector<proc::Claim> out;
  std::vector<int> todo = {pid};
  while (!todo.empty() && out.size() < kMaxDescendants) {
    const int parent = todo.back();
    todo.pop_back();
    std::vector<proc::Claim> found;
    for (int child : children_of(parent)) {
      if (auto start = proc::start_time(child)) found.push_back({child, *start, ""});
    }
    const std::vector<int> still = children_of(parent);
    for (auto& claim : found) {
      if (!contains(still, claim.pid)) continue;
      todo.push_back(claim.pid);
      out.push_back(std::move(claim));
    }
  }
  return out;
}

void kill_claimed(const std::vector<proc::Claim>& claims) {
  for (const auto& claim : claims) {
    auto pidfd = proc::pidfd_proven(claim);
    if (pidfd) (void)::syscall(SYS_pidfd_send_signal, pidfd->get(), SIGKILL, nullptr, 0);
  }
}

}  // namespace dmc::supervisor
