// Promises under faults: a dead init's pid taken by a process of another
// container (issue 12, defect 1, a security hole). A pid on disk is a claim:
// no command on container A may reach container B through it.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

constexpr int kTries = 300;

std::string tar_of(const std::string& name, const std::string& content) {
  TempDir dir;
  write_text(dir / name, content);
  auto tar = run({"tar", "-C", dir.path(), "-cf", "-", name});
  REQUIRE(tar.code == 0);
  return tar.out;
}

std::string mount_ns_of(int pid) {
  std::error_code ec;
  return std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/mnt", ec).string();
}

// A `sleep 60` in the mount namespace of `ns_holder` whose pid is `pid`: the
// kernel's next pid is set to pid - 1 (ns_last_pid, a hint) right before
// starting it, a bounded number of times, as other processes of the machine
// may take the pid first. nullopt when it never got it.
std::optional<Child> process_with_pid(int pid, int ns_holder) {
  UniqueFd ns(::open(("/proc/" + std::to_string(ns_holder) + "/ns/mnt").c_str(),
                     O_RDONLY | O_CLOEXEC));
  REQUIRE(ns.valid());
  const int fd = ns.get();
  for (int i = 0; i < kTries; ++i) {
    {
      UniqueFd last(::open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC));
      REQUIRE(last.valid());
      auto text = std::to_string(pid - 1);
      REQUIRE(::write(last.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    }
    auto child = spawn_child({.argv = {"/bin/sleep", "60"},
                              .pre_exec = [fd] { return ::setns(fd, CLONE_NEWNS) == 0 ? 0 : errno; }});
    REQUIRE_MESSAGE(child, child.error().message);
    if (child->pid() == pid) return std::move(*child);
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("faults: a dead init's pid taken by another container's process lets no command reach it") {
  DmcEnv env;
  auto a = env.create();
  auto b = env.create();
  REQUIRE(env.dmc({"stream-in", b, "--dest", "/secret"}, tar_of("marker-of-b", "b's data\n")).code == 0);
  const std::string b_marker = env.depot() + "/" + b + "/rootfs/secret/marker-of-b";
  REQUIRE(path_exists(b_marker));
  const int a_init = env.init_pid(a);
  const int b_init = env.init_pid(b);
  REQUIRE(is_init_of(a_init, a));
  REQUIRE(::kill(a_init, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !path_exists("/proc/" + std::to_string(a_init)); }));

  auto taker = process_with_pid(a_init, b_init);
  if (!taker) {
    std::cout << "DMC-TEST-SKIPPED: pid " << a_init << " was not taken in " << kTries
              << " tries: other processes took it first" << std::endl;
    return;
  }
  REQUIRE(mount_ns_of(a_init) == mount_ns_of(b_init));
  REQUIRE(path_exists("/proc/" + std::to_string(a_init) + "/root/secret/marker-of-b"));

  auto out = env.dmc({"stream-out", a, "--src", "/secret"});
  CHECK_MESSAGE(is_clear_failure(out), "stream-out: " << out.code << " " << out.err);
  CHECK(out.out.find("marker-of-b") == std::string::npos);
  CHECK(out.out.find("b's data") == std::string::npos);
  auto in = env.dmc({"stream-in", a, "--dest", "/intruder"}, tar_of("from-a", "a's data\n"));
  CHECK_MESSAGE(is_clear_failure(in), "stream-in: " << in.code << " " << in.err);
  CHECK_FALSE(path_exists(env.depot() + "/" + b + "/rootfs/intruder"));
  CHECK(check_seen_truthfully(env, a) == "dead");
  auto ran = env.dmc({"run", a, "--", "/bin/echo", "hi"});
  CHECK_MESSAGE(is_clear_failure(ran), "run: " << ran.code << " " << ran.err);
  CHECK(ran.out.empty());
  CHECK(process_alive(a_init));  // nothing of the above signalled the taker

  check_destroy_leaves_nothing(env, a);
  CHECK_MESSAGE(process_alive(a_init), "destroying A killed B's process that took A's pid");
  CHECK(is_init_of(b_init, b));
  CHECK(check_seen_truthfully(env, b) == "running");
  CHECK(read_file(b_marker).value_or("") == "b's data\n");
  CHECK(env.dmc({"run", b, "--", "/bin/echo", "b lives"}).out == "b lives\n");
}
