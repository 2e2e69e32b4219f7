#include "support/machine.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "common/cgroup.hpp"
#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/json.hpp"
#include "common/uuid.hpp"

namespace dmc::test {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

char process_state(int pid) {
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return 0;
  auto close = stat->rfind(')');
  return close == std::string::npos || close + 2 >= stat->size() ? 0 : (*stat)[close + 2];
}

bool in_cgroup(int pid, const std::string& cgroup_path) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/cgroup");
  if (!text) return false;
  for (const auto& line : lines_of(*text)) {
    if (line.ends_with(":" + cgroup_path)) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> mounts_under(const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(read_file("/proc/self/mountinfo").value_or(""))) {
    std::istringstream in(line);
    std::string field, mount_point;
    for (int i = 0; i < 5 && in >> field; ++i) mount_point = field;
    if (mount_point == prefix || mount_point.starts_with(prefix + "/")) {
      out.push_back(mount_point);
    }
  }
  return out;
}

std::vector<std::string> cgroup_dirs(const std::string& cgroup_path) {
  auto hierarchies = cgroup::hierarchies();
  REQUIRE(hierarchies);
  return cgroup::existing_dirs(*hierarchies, cgroup_path);
}

bool process_alive(int pid) {
  char state = process_state(pid);
  return state != 0 && state != 'Z' && state != 'X';
}

std::vector<int> zombies_in_cgroup(const std::string& cgroup_path) {
  std::vector<int> out;
  DIR* proc = ::opendir("/proc");
  REQUIRE(proc);
  while (dirent* e = ::readdir(proc)) {
    int pid = std::atoi(e->d_name);
    if (pid > 0 && process_state(pid) == 'Z' && in_cgroup(pid, cgroup_path)) {
      out.push_back(pid);
    }
  }
  ::closedir(proc);
  return out;
}

std::string test_runtime() {
  const char* r = std::getenv("DMC_TEST_RUNTIME");
  return r && *r ? r : "runc";
}

bool eventually(const std::function<bool()>& cond) {
  for (int i = 0; i < 500; ++i) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return cond();
}

namespace {

// Never throws (it runs in destructors too): a failure to start is code -1.
RunOutput run_quietly(const std::vector<std::string>& argv, const std::string& stdin_data) {
  char path[] = "/tmp/dmc-test-stdin-XXXXXX";
  int in_fd = ::mkostemp(path, O_CLOEXEC);
  if (in_fd < 0) return {-1, "", "mkostemp failed"};
  ::unlink(path);
  (void)!::write(in_fd, stdin_data.data(), stdin_data.size());
  ::lseek(in_fd, 0, SEEK_SET);
  auto result = run_child({.argv = argv, .stdin_fd = in_fd});
  ::close(in_fd);
  if (!result) return {-1, "", result.error().message};
  return {result->exit.code, result->out, result->err};
}

}  // namespace

RunOutput run(const std::vector<std::string>& argv, const std::string& stdin_data) {
  auto out = run_quietly(argv, stdin_data);
  REQUIRE_MESSAGE(out.code >= 0, out.err);
  return out;
}

DmcEnv::DmcEnv()
    : depot_(temp_ / "depot"), state_root_(temp_ / "state"), runtime_(test_runtime()) {}

std::vector<std::string> DmcEnv::dmc_argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {std::string(DMC_BIN_DIR) + "/dmc", "--depot", depot_,
                                   "--state-root", state_root_, "--runtime", runtime_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

RunOutput DmcEnv::dmc(const std::vector<std::string>& args, const std::string& stdin_data) {
  return run_quietly(dmc_argv(args), stdin_data);
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

std::array<UniqueFd, 2> make_pipe() {
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  return {UniqueFd(p[0]), UniqueFd(p[1])};
}

RunOutput DmcEnv::exec(const std::string& handle, const std::vector<std::string>& argv) {
  std::vector<std::string> full = {runtime_, "--root", state_root_, "exec", handle};
  full.insert(full.end(), argv.begin(), argv.end());
  return run(full);
}

std::string DmcEnv::handle(const std::string& prefix) {
  auto id = uuid_v4();
  REQUIRE(id);
  handles_.push_back(prefix + "-" + id->substr(0, 8));
  return handles_.back();
}

std::string DmcEnv::create(std::vector<std::string> args) {
  std::string h = handle("c");
  args.insert(args.begin(), {"create", "--handle", h});
  auto r = dmc(args);
  REQUIRE_MESSAGE(r.code == 0, r.err);
  REQUIRE(r.out == h + "\n");
  return h;
}

int DmcEnv::init_pid(const std::string& handle) {
  auto doc = json::parse_file(depot_ + "/" + handle + "/state.json");
  REQUIRE(doc);
  auto pid = json::get_optional_int64(*doc, "init_pid");
  REQUIRE(pid);
  REQUIRE(pid->has_value());
  return static_cast<int>(**pid);
}

// Whatever a destroy did not remove, removed by hand, loudly.
void DmcEnv::force_clean(const std::string& handle) {
  auto hierarchies = cgroup::hierarchies();
  if (!hierarchies) return;
  for (const auto& dir : cgroup::existing_dirs(*hierarchies, "/dmc/" + handle)) {
    MESSAGE("left behind: cgroup ", dir);
    for (int pid : cgroup::procs(dir).value_or(std::vector<int>{})) ::kill(pid, SIGKILL);
  }
  run_quietly({runtime_, "--root", state_root_, "delete", "--force", handle}, "");
  for (int i = 0; i < 100 && !cgroup::remove(*hierarchies, "/dmc/" + handle); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

DmcEnv::~DmcEnv() {
  auto listed = dmc({"list"});
  // A line is a handle, then a tab and a state for one that needs attention.
  for (const auto& line : lines_of(listed.out)) dmc({"destroy", line.substr(0, line.find('\t'))});
  for (const auto& h : handles_) force_clean(h);
  auto mounts = mounts_under(temp_.path());
  for (auto it = mounts.rbegin(); it != mounts.rend(); ++it) {
    const auto& m = *it;
    MESSAGE("left behind: mount ", m);
    ::umount2(m.c_str(), MNT_DETACH);
  }
}

std::string cgroup_file(const std::string& controller, const std::string& handle,
                        const std::string& file) {
  return read_file("/sys/fs/cgroup/" + controller + "/dmc/" + handle + "/" + file).value_or("");
}

}  // namespace dmc::test
