#include "test_cgroup.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "common/uuid.hpp"
#include "support/machine.hpp"

namespace dmc::test {
namespace {

const std::string kFreezer = "/sys/fs/cgroup/freezer";
const std::string kPids = "/sys/fs/cgroup/pids";
const std::string kUnified = "/sys/fs/cgroup/unified";
const std::string kParent = "/dmc-stopper-test";

// Never throws: it also runs while cleaning up.
bool write_control(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
  ::close(fd);
  return ok;
}

std::vector<std::string> subdirs(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (e->d_type == DT_DIR && name != "." && name != "..") out.push_back(dir + "/" + name);
    }
    ::closedir(d);
  }
  return out;
}

void procs_under(const std::string& dir, std::vector<int>& out) {
  std::istringstream in(read_file(dir + "/cgroup.procs").value_or(""));
  int pid;
  while (in >> pid) out.push_back(pid);
  for (const auto& sub : subdirs(dir)) procs_under(sub, out);
}

void remove_cgroup_dir(const std::string& dir) {
  for (const auto& sub : subdirs(dir)) remove_cgroup_dir(sub);
  ::rmdir(dir.c_str());
}

}  // namespace

// The shared parents go only when empty: other tests may be using them.
MadeDirs::~MadeDirs() {
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) remove_cgroup_dir(*it);
  for (const auto& parent : parents_) ::rmdir(parent.c_str());
}

// Another test may remove the shared parent just as we create a child in it.
void MadeDirs::make(const std::string& dir) {
  auto parent = dir.substr(0, dir.rfind('/'));
  parents_.push_back(parent);
  for (int attempt = 0; attempt < 5; ++attempt) {
    ::mkdir(parent.c_str(), 0755);
    if (::mkdir(dir.c_str(), 0755) == 0) {
      dirs_.push_back(dir);
      return;
    }
    REQUIRE_MESSAGE(errno == ENOENT, "mkdir ", dir, ": ", std::strerror(errno));
  }
  FAIL("mkdir ", dir, ": its parent keeps vanishing");
}

TestCgroup::TestCgroup() {
  auto id = uuid_v4();
  REQUIRE(id);
  path_ = kParent + "/" + *id;
  dirs_.make(kFreezer + path_);
  dirs_.make(kPids + path_);
  dirs_.make(kUnified + path_);
  REQUIRE(write_control(kPids + path_ + "/pids.max", "2000"));
}

TestCgroup::~TestCgroup() { kill_all(); }

std::string TestCgroup::freezer_dir() const { return kFreezer + path_; }
std::string TestCgroup::unified_dir() const { return kUnified + path_; }

int TestCgroup::start(const std::string& setup, const std::string& body) {
  std::string ready = temp_ / ("ready-" + std::to_string(++started_));
  std::string script;
  for (const auto& root : {kFreezer, kPids, kUnified}) {
    script += "echo $$ > " + root + path_ + "/cgroup.procs || exit 99\n";
  }
  script += setup + "\ntouch " + ready + "\n" + body + "\n";
  auto child = spawn_child({.argv = {"/bin/sh", "-c", script}});
  REQUIRE(child);
  int pid = child->pid();
  children_.emplace(pid, std::move(*child));
  REQUIRE(eventually([&] { return path_exists(ready); }));
  return pid;
}

std::optional<ChildExit> TestCgroup::exit_of(int pid) {
  auto it = children_.find(pid);
  REQUIRE(it != children_.end());
  for (int i = 0; i < 1000; ++i) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      it->second.release();
      children_.erase(it);
      return decode_wait_status(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

std::string TestCgroup::make_nested(const std::string& name) {
  std::string dir = freezer_dir() + "/" + name;
  REQUIRE(::mkdir(dir.c_str(), 0755) == 0);
  return dir;
}

std::vector<int> TestCgroup::members() const {
  std::vector<int> out;
  procs_under(freezer_dir(), out);
  return out;
}

std::string TestCgroup::freezer_state() const {
  auto state = read_file(freezer_dir() + "/freezer.state").value_or("");
  while (!state.empty() && state.back() == '\n') state.pop_back();
  return state;
}

// Frozen, nothing in our cgroup can fork while we kill it; a process joins
// the other hierarchies only after the freezer one, so this reaches them all.
void TestCgroup::kill_all() const {
  for (int i = 0; i < 500; ++i) {
    write_control(freezer_dir() + "/freezer.state", "FROZEN");
    std::vector<int> pids;
    procs_under(freezer_dir(), pids);
    procs_under(unified_dir(), pids);
    for (int pid : pids) ::kill(pid, SIGKILL);
    write_control(freezer_dir() + "/freezer.state", "THAWED");
    write_control(unified_dir() + "/cgroup.freeze", "0");
    if (pids.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace dmc::test
