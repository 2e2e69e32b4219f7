// Runtime against the real runc and crun, as root, on a hand-made busybox
// bundle: the whole life of a container, the errors a user sees, and what is
// left on the machine afterwards.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <fmt/ranges.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "common/uuid.hpp"
#include "runrunc/hybrid.hpp"
#include "runrunc/runtime.hpp"
#include "runrunc/sealed_binary.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::runrunc;
namespace fs = std::filesystem;

namespace {

constexpr const char* kParent = "dmc-runrunc-test";
constexpr const char* kControllers = "/sys/fs/cgroup/unified/cgroup.controllers";

std::string random_id() {
  auto uuid = uuid_v4();
  REQUIRE(uuid);
  return "t-" + uuid->substr(0, 8) + uuid->substr(9, 4);
}

std::string config_json(const std::string& id) {
  return R"({
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sleep", "1000"],
    "env": ["PATH=/bin"],
    "cwd": "/"
  },
  "root": {"path": "rootfs", "readonly": false},
  "hostname": "runrunc-test",
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc"},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
     "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]}
  ],
  "linux": {
    "cgroupsPath": "/)" + std::string(kParent) + "/" + id + R"(",
    "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]
  }
})";
}

constexpr const char* kProcessJson = R"({
  "terminal": false,
  "user": {"uid": 0, "gid": 0},
  "args": ["/bin/sh", "-c", "echo hi > /tmp/x"],
  "env": ["PATH=/bin"],
  "cwd": "/"
})";

// bundle/config.json and bundle/rootfs with a static busybox as sh and sleep.
std::string build_bundle(const test::TempDir& dir, const std::string& id) {
  std::string bundle = dir / "bundle";
  for (const char* sub : {"/rootfs/bin", "/rootfs/proc", "/rootfs/dev", "/rootfs/tmp"}) {
    REQUIRE(make_dirs(bundle + sub));
  }
  fs::copy_file("/bin/busybox", bundle + "/rootfs/bin/busybox");
  fs::create_symlink("busybox", bundle + "/rootfs/bin/sh");
  fs::create_symlink("busybox", bundle + "/rootfs/bin/sleep");
  test::write_text(bundle + "/config.json", config_json(id));
  return bundle;
}

// Every v1 hierarchy and the v2 mount: /sys/fs/cgroup/<x>/<rest>.
std::vector<std::string> cgroup_paths(const std::string& rest) {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(kCgroupRoot)) {
    if (entry.is_directory() && !entry.is_symlink()) out.push_back(entry.path().string() + rest);
  }
  return out;
}

int read_pid(const std::string& path) {
  std::string text = test::read_text(path);
  return text.empty() ? 0 : std::stoi(text);
}

// Reaps pid if it is our child (we are the subreaper), else waits for it to
// be gone. True when it exited within the time.
bool wait_gone(pid_t pid, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    pid_t r = ::waitpid(pid, nullptr, WNOHANG);
    if (r == pid) return true;
    if (r < 0 && errno == ECHILD && ::kill(pid, 0) < 0 && errno == ESRCH) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// The container's init and exec'd processes are orphaned when the runtime
// exits; as subreaper this test gets them and can reap them (PID 1 on our
// machines reaps late, and runc reports a zombie init as "running").
struct Subreaper {
  Subreaper() { REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0); }
  ~Subreaper() { ::prctl(PR_SET_CHILD_SUBREAPER, 0); }
  Subreaper(const Subreaper&) = delete;
  Subreaper& operator=(const Subreaper&) = delete;
};

// Cleans up even when an assertion fails: kills by the pids it recorded
// (never by name), deletes -f, removes the container's cgroup dirs and the
// parents if empty. Touches nothing but this test's own container.
struct ContainerGuard {
  const Runtime& runtime;
  std::string id;
  pid_t init_pid = 0;
  pid_t exec_pid = 0;

  ~ContainerGuard() {
    for (pid_t* pid : {&exec_pid, &init_pid}) {
      if (*pid > 0 && ::kill(*pid, SIGKILL) == 0) (void)wait_gone(*pid, 5);
    }
    (void)runtime.remove(id, true);
    for (const auto& dir : cgroup_paths(fmt::format("/{}/{}", kParent, id))) ::rmdir(dir.c_str());
    for (const auto& dir : cgroup_paths(fmt::format("/{}", kParent))) ::rmdir(dir.c_str());
  }
};

bool host_has_controllers_mount() {
  return test::read_text("/proc/self/mountinfo").find(std::string(" ") + kControllers + " ") !=
         std::string::npos;
}

// verb: "create" or "run", both of which make the container.
std::string expected_duplicate(Flavor flavor, const std::string& verb, const std::string& id) {
  if (flavor == Flavor::Crun) return "crun " + verb + ": exit status 1: container `" + id + "` already exists";
  return "runc " + verb + ": exit status 1: runc " + verb +
         " failed: container with given ID already exists";
}

std::string expected_unknown(const RuntimeConfig& config, const std::string& id) {
  if (config.flavor == Flavor::Runc) return "runc state: exit status 1: container does not exist";
  return "crun state: exit status 1: error opening file `" + config.state_root + "/" + id +
         "/status`: No such file or directory";
}

void check_exec(const Runtime& runtime, ContainerGuard& guard, const test::TempDir& dir,
                const std::string& bundle) {
  test::write_text(dir / "process.json", kProcessJson);
  REQUIRE(runtime.exec(guard.id, {.process_json = dir / "process.json",
                                  .pid_file = dir / "exec.pid"}));
  guard.exec_pid = read_pid(dir / "exec.pid");
  CHECK(guard.exec_pid > 0);
  CHECK(wait_gone(guard.exec_pid, 10));
  guard.exec_pid = 0;
  CHECK(test::read_text(bundle + "/rootfs/tmp/x") == "hi\n");
}

void check_status(const Runtime& runtime, const std::string& id, const std::string& status) {
  auto state = runtime.state(id);
  REQUIRE(state);
  CHECK(state->id == id);
  CHECK(state->status == status);
}

// pause, resume and update run on the host as is, with crun too.
void check_pause_resume_update(const Runtime& runtime, const std::string& id) {
  REQUIRE(runtime.pause(id));
  check_status(runtime, id, "paused");
  REQUIRE(runtime.resume(id));
  check_status(runtime, id, "running");
  REQUIRE(runtime.update(id, R"({"pids":{"limit":123}})"));
  std::string pids_max = fmt::format("{}/pids/{}/{}/pids.max", kCgroupRoot, kParent, id);
  if (path_exists(pids_max)) CHECK(test::read_text(pids_max) == "123\n");
}

void check_nothing_left(const RuntimeConfig& config, const std::string& id) {
  CHECK_FALSE(path_exists(config.state_root + "/" + id));
  for (const auto& dir : cgroup_paths(fmt::format("/{}/{}", kParent, id))) {
    CAPTURE(dir);
    CHECK_FALSE(path_exists(dir));
  }
  CHECK_FALSE(host_has_controllers_mount());
}

size_t count(const std::string& text, const std::string& part) {
  size_t n = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++n;
  return n;
}

// One info line per create or run (two in each test) when the workaround is
// applied, none otherwise.
void check_workaround_logged(const RuntimeConfig& config, const std::string& log) {
  size_t expected = config.hide_hybrid_controllers ? 2 : 0;
  CHECK(count(log, "runrunc.hybrid-cgroup-workaround") == expected);
  CHECK(config.hide_hybrid_controllers == (config.flavor == Flavor::Crun && hybrid_controllers_visible()));
}

RuntimeConfig detected(const std::string& name, const std::string& state_root) {
  auto config = detect_runtime(name, state_root);
  REQUIRE(config);
  return *config;
}

RuntimeConfig with_copy(RuntimeConfig config, bool sealed) {
  if (!sealed) return config;
  auto copy = SealedBinary::make(config.binary);
  REQUIRE_MESSAGE(copy, copy.error().message);
  config.sealed = *copy;
  return config;
}

// Every child of this process (any thread's), by pid, its exe link.
std::vector<std::string> children_exes() {
  std::vector<std::string> out;
  for (const auto& task : fs::directory_iterator("/proc/self/task")) {
    std::string children = test::read_text(task.path().string() + "/children");
    size_t at = 0;
    while (at < children.size()) {
      size_t end = children.find(' ', at);
      if (end == std::string::npos) end = children.size();
      std::string pid = children.substr(at, end - at);
      at = end + 1;
      if (pid.empty()) continue;
      std::error_code ec;
      auto exe = fs::read_symlink("/proc/" + pid + "/exe", ec);
      if (!ec) out.push_back(exe.string());
    }
  }
  return out;
}

// A process run without detach: the runtime waits for it, in the meantime
// what it runs from is read. Returns every exe seen among our children.
std::vector<std::string> exec_attached_watching(const Runtime& runtime, const std::string& id,
                                                const test::TempDir& dir) {
  test::write_text(dir / "sleep.json", R"({"terminal": false, "user": {"uid": 0, "gid": 0},
    "args": ["/bin/sleep", "1"], "env": ["PATH=/bin"], "cwd": "/"})");
  std::vector<std::string> seen;
  std::atomic<bool> done = false;
  std::thread watcher([&] {
    while (!done) {
      for (auto& exe : children_exes()) seen.push_back(std::move(exe));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto ran = runtime.exec(id, {.process_json = dir / "sleep.json", .pid_file = dir / "sleep.pid",
                               .detach = false});
  done = true;
  watcher.join();
  CHECK_MESSAGE(ran.has_value(), (ran ? std::string() : ran.error().message));
  return seen;
}

// One container of a real runtime: its bundle and state in a temp dir, the
// runtime's info log in dmc.log, and a guard that removes whatever is left.
struct RealContainer {
  explicit RealContainer(const std::string& name, bool sealed = false)
      : config(with_copy(detected(name, dir / "state"), sealed)),
        log_fd(::open((dir / "dmc.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)),
        runtime(config, Logger("test", LogLevel::Info, log_fd.get())),
        bundle(build_bundle(dir, id)) {
    REQUIRE(log_fd);
  }

  // Made by create or run: the init's pid is in pid_file, the guard has it.
  void made(const std::string& pid_file) {
    guard.init_pid = read_pid(pid_file);
    CHECK_FALSE(host_has_controllers_mount());
  }

  // Killed, deleted, and nothing of it left on the host.
  void kill_and_remove() {
    REQUIRE(runtime.kill(id, SIGKILL));
    CHECK(wait_gone(guard.init_pid, 10));
    guard.init_pid = 0;
    check_status(runtime, id, "stopped");
    REQUIRE(runtime.remove(id));
    auto gone = runtime.state(id);
    REQUIRE_FALSE(gone);
    CHECK(gone.error().kind == ErrorKind::NotFound);
    check_nothing_left(config, id);
    check_workaround_logged(config, test::read_text(dir / "dmc.log"));
  }

  test::TempDir dir;
  RuntimeConfig config;
  UniqueFd log_fd;
  Runtime runtime;
  std::string id = random_id();
  std::string bundle;
  Subreaper subreaper;
  ContainerGuard guard{runtime, id};
};

void lifecycle(const std::string& name) {
  DMC_SKIP_UNLESS_ROOT();
  RealContainer c(name);
  auto unknown = c.runtime.state(c.id);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::NotFound);
  CHECK(unknown.error().message == expected_unknown(c.config, c.id));

  REQUIRE(c.runtime.create(c.id, {.bundle = c.bundle, .pid_file = c.dir / "init.pid"}));
  c.made(c.dir / "init.pid");
  auto created = c.runtime.state(c.id);
  REQUIRE(created);
  CHECK(created->status == "created");
  CHECK(created->pid > 0);
  CHECK(created->pid == c.guard.init_pid);
  CHECK(created->bundle == c.bundle);

  auto duplicate = c.runtime.create(c.id, {.bundle = c.bundle, .pid_file = c.dir / "dup.pid"});
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().kind == ErrorKind::AlreadyExists);
  CHECK(duplicate.error().message == expected_duplicate(c.config.flavor, "create", c.id));

  REQUIRE(c.runtime.start(c.id));
  check_status(c.runtime, c.id, "running");
  check_pause_resume_update(c.runtime, c.id);
  check_exec(c.runtime, c.guard, c.dir, c.bundle);
  c.kill_and_remove();
}

// run --detach: created and started in one call, then gone like any other.
void run_detached(const std::string& name) {
  DMC_SKIP_UNLESS_ROOT();
  RealContainer c(name);
  REQUIRE(c.runtime.run_detached(c.id, {.bundle = c.bundle, .pid_file = c.dir / "init.pid"}));
  c.made(c.dir / "init.pid");
  auto running = c.runtime.state(c.id);
  REQUIRE(running);
  CHECK(running->status == "running");
  CHECK(running->pid == c.guard.init_pid);
  CHECK(running->bundle == c.bundle);

  auto duplicate = c.runtime.run_detached(c.id, {.bundle = c.bundle, .pid_file = c.dir / "dup.pid"});
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().kind == ErrorKind::AlreadyExists);
  CHECK(duplicate.error().message == expected_duplicate(c.config.flavor, "run", c.id));
  check_exec(c.runtime, c.guard, c.dir, c.bundle);
  c.kill_and_remove();
}

}  // namespace

TEST_CASE("real runc: run --detach creates and starts in one call") { run_detached("runc"); }

TEST_CASE("real crun: run --detach creates and starts in one call") { run_detached("crun"); }

TEST_CASE("real runc: the life of a container and its errors and nothing left behind") {
  lifecycle("runc");
}

TEST_CASE("real crun: the life of a container and its errors and nothing left behind") {
  lifecycle("crun");
}

namespace {

// runc and crun skip their own re-exec (CVE-2019-5736) when they run from a
// memfd sealed as they seal one: the runtime seen running is the copy.
void from_sealed_copy(const std::string& name) {
  DMC_SKIP_UNLESS_ROOT();
  RealContainer c(name, true);
  REQUIRE(c.runtime.run_detached(c.id, {.bundle = c.bundle, .pid_file = c.dir / "init.pid"}));
  c.made(c.dir / "init.pid");
  check_status(c.runtime, c.id, "running");
  // Its errors read as the runtime's own, named as ever.
  auto duplicate = c.runtime.run_detached(c.id, {.bundle = c.bundle, .pid_file = c.dir / "dup.pid"});
  REQUIRE_FALSE(duplicate);
  CHECK(duplicate.error().message == expected_duplicate(c.config.flavor, "run", c.id));
  check_exec(c.runtime, c.guard, c.dir, c.bundle);
  auto seen = exec_attached_watching(c.runtime, c.id, c.dir);
  const std::string copy = "/memfd:" + name + " (deleted)";
  CHECK_MESSAGE(std::find(seen.begin(), seen.end(), copy) != seen.end(),
                fmt::format("{}", fmt::join(seen, ", ")));
  CHECK(std::find(seen.begin(), seen.end(), c.config.binary) == seen.end());
  c.kill_and_remove();
}

}  // namespace

TEST_CASE("real runc from a sealed copy: every call runs the copy, nothing left behind") {
  from_sealed_copy("runc");
}

TEST_CASE("real crun from a sealed copy: every call runs the copy, nothing left behind") {
  from_sealed_copy("crun");
}

TEST_CASE("the hybrid workaround hides cgroup.controllers from the child only") {
  DMC_SKIP_UNLESS_ROOT();
  if (!hybrid_controllers_visible()) DMC_SKIP("not a hybrid host whose v2 mount lists controllers");
  std::string host_controllers = test::read_text(kControllers);
  auto hidden = run_child({.argv = {"/bin/cat", kControllers}, .pre_exec = hide_hybrid_controllers});
  REQUIRE(hidden);
  CHECK(hidden->exit.code == 0);
  CHECK(hidden->out == "");
  auto inside = run_child({.argv = {"/bin/cat", "/proc/self/mountinfo"},
                           .pre_exec = hide_hybrid_controllers});
  REQUIRE(inside);
  CHECK(inside->out.find(std::string(" ") + kControllers + " ") != std::string::npos);
  CHECK_FALSE(host_has_controllers_mount());
  CHECK(test::read_text(kControllers) == host_controllers);
  CHECK(hybrid_controllers_visible());
}

TEST_CASE("real crun without the workaround refuses this host as measured") {
  DMC_SKIP_UNLESS_ROOT();
  if (!hybrid_controllers_visible()) DMC_SKIP("not a hybrid host whose v2 mount lists controllers");
  test::TempDir dir;
  auto config = detect_runtime("crun", dir / "state");
  REQUIRE(config);
  REQUIRE(config->hide_hybrid_controllers);
  config->hide_hybrid_controllers = false;
  Runtime runtime(*config, Logger());
  std::string id = random_id();
  std::string bundle = build_bundle(dir, id);
  ContainerGuard guard{runtime, id};
  auto created = runtime.create(id, {.bundle = bundle, .pid_file = dir / "init.pid"});
  REQUIRE_FALSE(created);
  CHECK(created.error().message ==
        "crun create: exit status 1: cgroups in hybrid mode not supported, drop all controllers "
        "from cgroupv2");
  CHECK(created.error().kind == ErrorKind::Internal);
  check_nothing_left(*config, id);
}
