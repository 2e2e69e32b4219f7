// The real dmc-shim, driven through Tracker, with a fake runtime that starts
// the process the way `runtime exec --detach` does.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "common/oci.hpp"
#include "fake_exec.hpp"
#include "shim_env.hpp"
#include "io_helpers.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/protocol.hpp"
#include "process_tracker/record.hpp"
#include "process_tracker/tracker.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace std::chrono_literals;
using dmc::process_tracker::StreamFds;
using dmc::process_tracker::ProcessInfo;
using dmc::process_tracker::ProcessSpec;
using dmc::process_tracker::Tracker;
using dmc::process_tracker::TrackerConfig;
using dmc::test::Env;
using dmc::test::eventually;
using dmc::test::kHandle;
using dmc::test::shell;
using dmc::test::exists;
using dmc::test::FakeExec;
using dmc::test::FakeMode;
using dmc::test::make_pipe;
using dmc::test::process_alive;
using dmc::test::read_text;
using dmc::test::TempDir;
using dmc::test::put_all;
namespace names = dmc::process_tracker::names;
namespace protocol = dmc::process_tracker::protocol;
using Strings = std::vector<std::string>;

namespace {


struct Attached {
  Result<int> status = 0;
  std::string out;
  std::string err;
};

// What a test attaches with. By default: pipes as stdout and stderr, read
// by the test, and no stdin.
struct Io {
  // A pipe holding this (under 64 KiB) as stdin, else stdin_fd.
  std::optional<std::string> input = std::nullopt;
  int stdin_fd = -1;
  int stdout_fd = -1;                // an fd of the test's instead of the pipe
  int stderr_fd = -1;                // an fd of the test's instead of the pipe
  bool out = true;                   // attach stdout at all
  bool err = true;                   // attach stderr at all
};

// Runs Tracker::attach in a thread of its own. Never hangs the suite: after
// 30 s everything the test started is killed.
Attached attach(const Env& env, const std::string& id, const Io& with = {}) {
  auto out = make_pipe();
  auto err = make_pipe();
  UniqueFd in;
  if (with.input) {
    auto p = make_pipe();
    put_all(p[1].get(), *with.input);
    in = std::move(p[0]);
  }
  Attached a;
  std::thread out_reader([&] { a.out = dmc::test::read_all(out[0].get()); });
  std::thread err_reader([&] { a.err = dmc::test::read_all(err[0].get()); });
  auto pick = [](bool attached, int given, int pipe) {
    return !attached ? -1 : given >= 0 ? given : pipe;
  };
  const StreamFds io{.stdin_fd = in ? in.get() : with.stdin_fd,
                     .stdout_fd = pick(with.out, with.stdout_fd, out[1].get()),
                     .stderr_fd = pick(with.err, with.stderr_fd, err[1].get())};
  auto done = std::async(std::launch::async, [&] {
    return env.tracker.attach(env.processes, id, io);
  });
  if (done.wait_for(30s) != std::future_status::ready) {
    FAIL_CHECK("attach did not return within 30 s");
    env.reaper.kill_all();
  }
  a.status = done.get();
  out[1].reset();
  err[1].reset();
  out_reader.join();
  err_reader.join();
  return a;
}

void check_exited(const Attached& a, int code, const std::string& out, const std::string& err) {
  REQUIRE_MESSAGE(a.status, a.status.error().message);
  CHECK(*a.status == code);
  CHECK(dmc::test::same_bytes(a.out, out));
  CHECK(dmc::test::same_bytes(a.err, err));
}

// Fields of /proc/<pid>/stat after the command: [0] state, [1] ppid,
// [2] pgrp, [3] session.
std::vector<int> stat_fields(int pid) {
  std::string text = read_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
  auto close = text.rfind(')');
  REQUIRE(close != std::string::npos);
  std::istringstream in(text.substr(close + 2));
  std::string state;
  in >> state;
  std::vector<int> out = {0};
  int v;
  while (out.size() < 4 && in >> v) out.push_back(v);
  return out;
}

std::string seq(int n) {
  std::string out;
  for (int i = 1; i <= n; ++i) out += std::to_string(i) + "\n";
  return out;
}

}  // namespace

TEST_CASE("start runs the process under a detached shim that is its subreaper") {
  Env env;
  const std::string id = env.start({"/bin/sleep", "1000"});

  CHECK(id.size() == 36);  // a UUID
  CHECK(id[8] == '-');
  CHECK(id[14] == '4');
  const std::string dir = env.dir(id);
  for (auto name : {names::kSpec, names::kProcessJson, names::kShimPid, names::kShimSocket,
                    names::kStdoutSpool, names::kStderrSpool, names::kPid}) {
    CAPTURE(name);
    CHECK(exists(env.file(id, name)));
  }
  CHECK_FALSE(env.exited(id));
  oci::Process process;
  process.args = {"/bin/sleep", "1000"};
  CHECK(read_text(env.file(id, names::kProcessJson)) == oci::to_json(process));

  REQUIRE(env.exec.calls.size() == 1);
  const auto& call = env.exec.calls[0];
  CHECK(call.container_id == kHandle);
  CHECK(call.args.process_json == dir + "/process.json");
  CHECK(call.args.pid_file == dir + "/pid");
  CHECK(call.args.log_file == dir + "/runtime.log");
  CHECK_FALSE(call.args.console_socket);

  const int pid = env.pid(id);
  const int shim = env.shim_pid(id);
  REQUIRE(pid > 0);
  REQUIRE(shim > 0);
  CHECK(process_alive(pid));
  CHECK(process_alive(shim));
  CHECK(read_file("/proc/" + std::to_string(pid) + "/cmdline").value_or("") ==
        std::string("/bin/sleep\0" "1000\0", 16));
  CHECK(stat_fields(pid)[1] == shim);          // the shim reaps it
  CHECK(stat_fields(shim)[1] != ::getpid());   // nobody waits for the shim
  CHECK(stat_fields(shim)[3] != ::getsid(0));  // in a session of its own
  CHECK(stat_fields(shim)[3] != shim);         // not its leader: never gets a tty
  CHECK(dmc::test::contains(read_file("/proc/" + std::to_string(shim) + "/cmdline").value_or(""),
                            std::string("--dir\0", 6) + dir + '\0'));

  // With no output and nobody attached, the shim goes once the process did.
  REQUIRE(env.tracker.signal(env.processes, id, SIGKILL));
  CHECK(eventually([&] { return !process_alive(shim); }));
  CHECK(env.exit_status(id) == "137\n");
}

TEST_CASE("attach gets exactly the process's stdout, stderr and exit code") {
  Env env;
  const std::string id = env.start(shell("printf abc; printf err >&2; exit 7"));
  check_exited(attach(env, id), 7, "abc", "err");
  CHECK(env.exit_status(id) == "7\n");
}

TEST_CASE("attach forwards stdin and gets live output") {
  Env env;
  // The process writes only after the attached client's input reached it.
  const std::string id =
      env.start(shell("read line; printf 'got %s' \"$line\"; printf 'on stderr' >&2; exit 4"));
  check_exited(attach(env, id, {.input = "hello\n"}), 4, "got hello", "on stderr");
}

TEST_CASE("the end of the client's stdin closes the process's stdin") {
  Env env;
  const std::string id = env.start({"/bin/cat"});
  const std::string input = "line one\nline two\n" + dmc::test::pattern(30000, 9);
  check_exited(attach(env, id, {.input = input}), 0, input, "");
}

TEST_CASE("a regular file as stdin reaches the process in full") {
  Env env;
  const std::string input = dmc::test::pattern(300000, 13);
  dmc::test::write_text(env.temp / "input", input);
  UniqueFd file(::open((env.temp / "input").c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(file);
  const std::string id = env.start({"/bin/cat"});
  check_exited(attach(env, id, {.stdin_fd = file.get()}), 0, input, "");
}

TEST_CASE("stdout and stderr into the same pipe both arrive") {
  Env env;
  const std::string id = env.start(shell("printf out; printf err >&2; exit 1"));
  REQUIRE(eventually([&] { return env.exited(id); }));
  auto both = make_pipe();
  const Attached a = attach(env, id, {.stdout_fd = both[1].get(), .stderr_fd = both[1].get()});
  both[1].reset();
  REQUIRE_MESSAGE(a.status, a.status.error().message);
  CHECK(*a.status == 1);
  const std::string got = dmc::test::read_all(both[0].get());
  CHECK((got == "outerr" || got == "errout"));
}

TEST_CASE("a client attached to stdout only leaves stderr to the next one") {
  Env env;
  const std::string id = env.start(shell("printf o; printf e >&2; exit 2"));
  check_exited(attach(env, id, {.err = false}), 2, "o", "");
  const int shim = env.shim_pid(id);
  CHECK(process_alive(shim));  // stderr is nobody's yet
  check_exited(attach(env, id), 2, "", "e");
  CHECK(eventually([&] { return !process_alive(shim); }));
}

TEST_CASE("attach after the process ended gets its output once, then only its status") {
  Env env;
  const std::string id = env.start(shell("printf late; printf also >&2; exit 3"));
  REQUIRE(eventually([&] { return env.exited(id); }));
  CHECK(env.exit_status(id) == "3\n");

  check_exited(attach(env, id), 3, "late", "also");
  check_exited(attach(env, id), 3, "", "");

  // Everything delivered: the shim goes, and takes its socket and spools.
  const int shim = env.shim_pid(id);
  CHECK(eventually([&] { return !process_alive(shim); }));
  CHECK_FALSE(exists(env.file(id, names::kShimSocket)));
  CHECK_FALSE(exists(env.file(id, names::kStdoutSpool)));
  CHECK_FALSE(exists(env.file(id, names::kStderrSpool)));
  CHECK(env.exit_status(id) == "3\n");
  check_exited(attach(env, id), 3, "", "");
}

TEST_CASE("output held back by the spool cap reaches a later client in full") {
  Env env;
  ProcessSpec spec;
  spec.spool_cap = 4096;
  const std::string id = env.start({"/usr/bin/seq", "1", "30000"}, spec);
  const std::string spool = env.file(id, names::kStdoutSpool);

  // Nobody listens: the shim spools 4096 bytes, then stops reading and the
  // process blocks on its full pipe.
  REQUIRE(eventually([&] { return dmc::test::file_size(spool) == 4096; }));
  std::this_thread::sleep_for(300ms);
  CHECK(dmc::test::file_size(spool) == 4096);
  CHECK_FALSE(env.exited(id));
  CHECK(process_alive(env.pid(id)));

  const Attached a = attach(env, id);
  check_exited(a, 0, seq(30000), "");
}

TEST_CASE("a regular file as stdout gets the spooled and the live output") {
  Env env;
  const std::string id = env.start(shell("printf before; read x; printf after"));
  REQUIRE(eventually([&] { return dmc::test::file_size(env.file(id, names::kStdoutSpool)) == 6; }));

  const std::string out = env.temp / "out.txt";
  UniqueFd file(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  REQUIRE(file);
  check_exited(attach(env, id, {.input = "\n", .stdout_fd = file.get()}), 0, "", "");
  CHECK(read_text(out) == "beforeafter");
}

TEST_CASE("an O_APPEND file as stdout gets the spooled and the live output") {
  Env env;
  const std::string id = env.start(shell("printf before; read x; printf after"));
  REQUIRE(eventually([&] { return dmc::test::file_size(env.file(id, names::kStdoutSpool)) == 6; }));

  const std::string out = env.temp / "log.txt";
  dmc::test::write_text(out, "old;");
  UniqueFd file(::open(out.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  REQUIRE(file);
  check_exited(attach(env, id, {.input = "\n", .stdout_fd = file.get()}), 0, "", "");
  CHECK(read_text(out) == "old;beforeafter");
}

TEST_CASE("a client that goes away loses nothing and the next one gets no duplicates") {
  Env env;
  const std::string go = env.temp / "go";
  const std::string id =
      env.start(shell("printf one; while [ ! -e " + go + " ]; do sleep 0.01; done; printf two"));
  REQUIRE(eventually([&] { return dmc::test::file_size(env.file(id, names::kStdoutSpool)) == 3; }));

  // A client of our own on the raw protocol: attaches its stdout, reads,
  // and goes away while the process still runs.
  auto out = make_pipe();
  {
    auto socket = protocol::connect_in(env.dir(id), names::kShimSocket);
    REQUIRE_MESSAGE(socket, socket.error().message);
    REQUIRE(protocol::send(socket->get(), {protocol::Type::Attach, protocol::kStdout, 0},
                           {out[1].get()}));
    out[1].reset();
    std::string got;
    CHECK(eventually([&] {
      got += dmc::test::read_available(out[0].get());
      return got.size() >= 3;
    }));
    CHECK(got == "one");
  }
  // The shim lets go of the client's stdout: EOF, and nothing more came.
  pollfd p{out[0].get(), POLLIN, 0};
  REQUIRE(::poll(&p, 1, 10000) == 1);
  char c;
  CHECK(::read(out[0].get(), &c, 1) == 0);

  dmc::test::write_text(go, "");
  check_exited(attach(env, id), 0, "two", "");
}

TEST_CASE("signal reaches the process") {
  Env env;
  const std::string id = env.start({"/bin/sleep", "1000"});
  const int pid = env.pid(id);
  REQUIRE(process_alive(pid));

  REQUIRE(env.tracker.signal(env.processes, id, SIGTERM));
  REQUIRE(eventually([&] { return env.exited(id); }));
  CHECK(env.exit_status(id) == "143\n");
  CHECK_FALSE(process_alive(pid));
  check_exited(attach(env, id), 143, "", "");

  // Its shim is gone too now: there is nothing left to signal.
  const int shim = env.shim_pid(id);
  REQUIRE(eventually([&] { return !process_alive(shim); }));
  auto again = env.tracker.signal(env.processes, id, SIGTERM);
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::Invalid);
  CHECK(again.error().message == "process " + id + " has already exited");
}

TEST_CASE("a process whose shim was killed while it ran is lost: attach and list say so") {
  Env env;
  const std::string id = env.start(shell("echo spooled; echo too >&2; exec sleep 1000"));
  REQUIRE(eventually([&] { return dmc::test::file_size(env.file(id, names::kStderrSpool)) == 4; }));
  REQUIRE(eventually([&] { return dmc::test::file_size(env.file(id, names::kStdoutSpool)) == 8; }));
  const int shim = env.shim_pid(id);
  REQUIRE(shim > 0);
  REQUIRE(::kill(shim, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(shim); }));

  auto listed = env.tracker.list(env.processes);
  REQUIRE(listed);
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().state == "lost");
  CHECK(listed->front().pid == env.pid(id));

  const Attached a = attach(env, id);  // what was spooled, then the plain truth
  CHECK(a.out == "spooled\n");
  CHECK(a.err == "too\n");
  REQUIRE_FALSE(a.status);
  CHECK(a.status.error().kind == ErrorKind::ProcessLost);
  CHECK(a.status.error().message ==
        "process " + id + " lost: its shim died while it ran; its exit status is unknown");
  const Attached again = attach(env, id);
  CHECK(again.out == "");
  CHECK(again.err == "");

  // The process is still reached, through its proven pid.
  REQUIRE(env.tracker.signal(env.processes, id, SIGKILL));
  CHECK(eventually([&] { return !process_alive(env.pid(id)); }));
}

TEST_CASE("a runtime that fails makes start fail with the ExecCommand's error and leave nothing") {
  Env env;
  env.exec.mode = FakeMode::Fail;
  auto id = env.try_start({"/bin/sleep", "1000"});
  REQUIRE_FALSE(id);
  CHECK(id.error().kind == ErrorKind::Internal);
  CHECK(id.error().message == "fake exec: exit status 3: container is not running\n");
  CHECK(env.entries().empty());
  CHECK(eventually([&] { return dmc::test::marked_pids(env.temp.path()).empty(); }));
}

TEST_CASE("a shim that cannot write its pid file kills the process it started and leaves nothing") {
  Env env;
  // The shim writes its pid file while the runtime starts the process: a
  // directory where the file goes makes that fail after the process runs.
  env.exec.on_argv = [](const process_tracker::ExecArgs& args) {
    const std::string dir = args.pid_file.substr(0, args.pid_file.rfind('/'));
    REQUIRE(make_dirs(dir + "/" + std::string(names::kShimPid) + "/in-the-way"));
  };
  auto id = env.try_start({"/bin/sleep", "1000"});
  REQUIRE_FALSE(id);
  CHECK_MESSAGE(dmc::test::contains(id.error().message, std::string(names::kShimPid)),
                id.error().message);
  CHECK(env.entries().empty());
  CHECK(eventually([&] { return dmc::test::marked_pids(env.temp.path()).empty(); }));
}

TEST_CASE("a runtime that writes no pid file makes start fail and leave nothing") {
  Env env;
  env.exec.mode = FakeMode::NoPidFile;
  auto id = env.try_start({"/bin/sleep", "1000"});
  REQUIRE_FALSE(id);
  CHECK(env.entries().empty());
  CHECK(eventually([&] { return dmc::test::marked_pids(env.temp.path()).empty(); }));
}

TEST_CASE("a runtime that writes no pid file is named in the error") {
  Env env;
  env.exec.mode = FakeMode::NoPidFile;
  auto id = env.try_start({"/bin/sleep", "1000"});
  REQUIRE_FALSE(id);
  CHECK_MESSAGE(dmc::test::contains(id.error().message, "pid"), id.error().message);
}

TEST_CASE("a runtime that cannot be run makes start fail and leave nothing") {
  Env env;
  env.exec.runtime = {env.temp / "no-such-runtime", "exec"};
  auto id = env.try_start({"/bin/sleep", "1000"});
  REQUIRE_FALSE(id);
  CHECK(env.entries().empty());
  CHECK(eventually([&] { return dmc::test::marked_pids(env.temp.path()).empty(); }));
}

TEST_CASE("a runtime that cannot be run is named in the error") {
  Env env;
  env.exec.runtime = {env.temp / "no-such-runtime", "exec"};
  auto id = env.try_start({"/bin/sleep", "1000"});
  REQUIRE_FALSE(id);
  CHECK_MESSAGE(dmc::test::contains(id.error().message, "no-such-runtime"), id.error().message);
}

TEST_CASE("stop_shims ends a shim that waits for a client, and its unread output stays") {
  Env env;
  const std::string id = env.start(shell("printf unread"));
  REQUIRE(eventually([&] { return env.exited(id); }));
  const int shim = env.shim_pid(id);
  std::this_thread::sleep_for(200ms);
  REQUIRE(process_alive(shim));  // it lingers: the output is nobody's yet

  REQUIRE(env.tracker.stop_shims(env.processes));
  CHECK(eventually([&] { return !process_alive(shim); }));
  CHECK_FALSE(exists(env.file(id, names::kShimSocket)));
  CHECK(exists(env.file(id, names::kStdoutSpool)));  // nobody has it yet
  CHECK_FALSE(exists(env.file(id, names::kStderrSpool)));  // empty, so delivered
  CHECK(env.exit_status(id) == "0\n");
  check_exited(attach(env, id), 0, "unread", "");
  check_exited(attach(env, id), 0, "", "");
}

TEST_CASE("stop_shims leaves alone a process that only has a shim's old pid") {
  Env env;
  auto child = spawn_child({.argv = {"/bin/sleep", "1000"}});
  REQUIRE(child);
  REQUIRE(make_dirs(env.dir("old")));
  dmc::test::write_text(env.file("old", names::kShimPid), std::to_string(child->pid()) + "\n");

  REQUIRE(env.tracker.stop_shims(env.processes));
  CHECK(process_alive(child->pid()));
}

TEST_CASE("the shim keeps none of its caller's fds open") {
  Env env;
  int p[2];
  REQUIRE(::pipe(p) == 0);  // inheritable, as fds handed down by a caller are
  UniqueFd read_end(p[0]), write_end(p[1]);
  const std::string id = env.start({"/bin/sleep", "1000"});
  const std::string ours = dmc::test::fd_target(::getpid(), write_end.get());
  REQUIRE(!ours.empty());
  CHECK_FALSE(dmc::test::holds_file(env.shim_pid(id), ours));
}

TEST_CASE("stop_shims and list accept a container without processes") {
  Env env;
  REQUIRE(env.tracker.stop_shims(env.temp / "none"));
  auto listed = env.tracker.list(env.temp / "none");
  REQUIRE(listed);
  CHECK(listed->empty());
}

TEST_CASE("list shows each process's id, pid, state, exit status and command") {
  Env env;
  ProcessSpec alpha_spec;
  alpha_spec.id = "alpha";
  ProcessSpec beta_spec;
  beta_spec.id = "beta";
  REQUIRE(env.start({"/bin/sleep", "1000"}, alpha_spec) == "alpha");
  REQUIRE(env.start(shell("exit 5"), beta_spec) == "beta");
  REQUIRE(eventually([&] { return env.exited("beta"); }));
  REQUIRE(make_dirs(env.processes + "/.partial"));

  auto listed = env.tracker.list(env.processes);
  REQUIRE_MESSAGE(listed, listed.error().message);
  REQUIRE(listed->size() == 2);
  const ProcessInfo& alpha = (*listed)[0];
  const ProcessInfo& beta = (*listed)[1];
  CHECK(alpha.id == "alpha");
  CHECK(alpha.pid == env.pid("alpha"));
  CHECK(alpha.pid > 0);
  CHECK(alpha.state == "running");
  CHECK_FALSE(alpha.exit_status);
  CHECK(alpha.command == Strings{"/bin/sleep", "1000"});
  CHECK(beta.id == "beta");
  CHECK(beta.pid == env.pid("beta"));
  CHECK(beta.pid > 0);
  CHECK(beta.state == "exited");
  CHECK(beta.exit_status == 5);
  CHECK(beta.command == Strings{"/bin/sh", "-c", "exit 5"});
}

TEST_CASE("start refuses a process id in use or malformed, and runs nothing for it") {
  Env env;
  ProcessSpec spec;
  spec.id = "taken";
  REQUIRE(env.start(shell("exit 0"), spec) == "taken");
  REQUIRE(eventually([&] { return env.exited("taken"); }));

  auto again = env.try_start(shell("exit 1"), spec);
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::AlreadyExists);
  CHECK(again.error().message == "process id 'taken' already in use");
  CHECK(env.exit_status("taken") == "0\n");

  spec.id = "../escape";
  auto bad = env.try_start(shell("exit 1"), spec);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Invalid);
  CHECK_FALSE(exists(env.temp / "escape"));
  CHECK(env.exec.calls.size() == 1);
  CHECK(env.entries() == Strings{"taken"});
}

TEST_CASE("attach and signal name an unknown process") {
  Env env;
  auto attached = env.tracker.attach(env.processes, "nope", StreamFds{});
  REQUIRE_FALSE(attached);
  CHECK(attached.error().kind == ErrorKind::ProcessNotFound);
  CHECK(attached.error().message == "unknown process: nope");
  auto signalled = env.tracker.signal(env.processes, "nope", SIGTERM);
  REQUIRE_FALSE(signalled);
  CHECK(signalled.error().kind == ErrorKind::ProcessNotFound);
}

TEST_CASE("a shim holds its record's lock for its whole life, and the kernel lets go at its death") {
  Env env;
  const std::string id = env.start({"/bin/sleep", "1000"});
  CHECK(process_tracker::owned(env.dir(id)));
  // What proves the pid is written just after start returns.
  REQUIRE(eventually([&] { return exists(env.file(id, names::kPidStart)); }));
  const int shim = env.shim_pid(id);
  REQUIRE(::kill(shim, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(shim); }));
  CHECK_FALSE(process_tracker::owned(env.dir(id)));
  // The shim.pid claim proves itself no more: a stop finds nothing to end.
  REQUIRE(env.tracker.stop_shims(env.processes));
  REQUIRE(env.tracker.signal(env.processes, id, SIGKILL));  // the process, by its proven pid
  CHECK(eventually([&] { return !process_alive(env.pid(id)); }));
}
