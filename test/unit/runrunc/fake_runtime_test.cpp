// Runtime against a fake runtime script (test/fixtures/runrunc/fake-runtime):
// error paths, log files, stdio handling.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "runrunc/runtime.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::runrunc;
using Argv = std::vector<std::string>;

namespace {

const std::string kFake = std::string(DMC_TEST_FIXTURES) + "/runrunc/fake-runtime";

std::string sample(const std::string& name) {
  return test::read_text(std::string(DMC_TEST_FIXTURES) + "/runrunc/" + name);
}

Argv lines_of(const std::string& text) {
  Argv out;
  size_t start = 0;
  for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
    out.push_back(text.substr(start, end - start));
  }
  return out;
}

bool dir_is_empty(const std::string& path) {
  return std::filesystem::is_empty(path);
}

// A fake runtime with its own state root and log dir in a temp dir; the
// files in the state root tell the fake what to do.
struct Fake {
  test::TempDir dir;
  RuntimeConfig config;

  explicit Fake(Flavor flavor = Flavor::Runc)
      : config{.binary = kFake,
               .flavor = flavor,
               .state_root = dir / "state",
               .log_dir = dir / "logs",
               .hide_hybrid_controllers = false} {
    REQUIRE(make_dirs(config.state_root));
  }

  void tell(const std::string& name, const std::string& content) const {
    test::write_text(config.state_root + "/" + name, content);
  }
  void fail_with(const std::string& log_lines, int code = 1) const {
    tell("log-lines", log_lines);
    tell("exit-code", std::to_string(code));
  }
  [[nodiscard]] std::string seen(const std::string& name) const {
    return test::read_text(config.state_root + "/" + name);
  }
  [[nodiscard]] Argv argv() const { return lines_of(seen("argv")); }
  [[nodiscard]] std::string log_path() const { return lines_of(seen("log-path")).at(0); }
  [[nodiscard]] Argv global() const {
    return {kFake, "--root", config.state_root, "--log", log_path(), "--log-format", "json"};
  }
  // The per-call log was made in log_dir and removed afterwards.
  void check_log_removed() const {
    CHECK(log_path().starts_with(config.log_dir + "/"));
    CHECK_FALSE(path_exists(log_path()));
    CHECK(dir_is_empty(config.log_dir));
  }
  [[nodiscard]] Runtime runtime(Logger logger = {}) const { return Runtime(config, logger); }
};

Argv plus(Argv head, const Argv& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void kill_holder(const Fake& fake) {
  pid_t pid = std::stoi(fake.seen("holder-pid"));
  REQUIRE(pid > 1);
  ::kill(pid, SIGKILL);
}

}  // namespace

TEST_CASE("a failing create names verb and exit status and the log's last error as AlreadyExists") {
  Fake fake;
  fake.fail_with(sample("runc-create-already-exists.log"));
  auto created = fake.runtime().create("web-1", {.bundle = "/b/web-1", .pid_file = "/b/pid"});
  REQUIRE_FALSE(created);
  CHECK(created.error().message ==
        "runc create: exit status 1: runc create failed: container with given ID already exists");
  CHECK(created.error().kind == ErrorKind::AlreadyExists);
  CHECK(fake.argv() ==
        plus(fake.global(), {"create", "--bundle", "/b/web-1", "--pid-file", "/b/pid", "web-1"}));
  fake.check_log_removed();
}

TEST_CASE("crun's 'already exists' is AlreadyExists too") {
  Fake fake(Flavor::Crun);
  fake.fail_with(R"({"msg":"container `web-1` already exists","level":"error","time":"t"})" "\n");
  auto created = fake.runtime().create("web-1", {.bundle = "/b", .pid_file = "/p"});
  REQUIRE_FALSE(created);
  CHECK(created.error().message == "crun create: exit status 1: container `web-1` already exists");
  CHECK(created.error().kind == ErrorKind::AlreadyExists);
  fake.check_log_removed();
}

TEST_CASE("runc's 'container does not exist' is NotFound for every verb") {
  Fake fake;
  fake.fail_with(sample("runc-delete-not-found.log"));
  auto rt = fake.runtime();
  std::vector<std::pair<std::string, Result<void>>> results;
  results.emplace_back("start", rt.start("web-1"));
  results.emplace_back("kill", rt.kill("web-1", 15));
  results.emplace_back("delete", rt.remove("web-1"));
  results.emplace_back("pause", rt.pause("web-1"));
  results.emplace_back("resume", rt.resume("web-1"));
  results.emplace_back("update", rt.update("web-1", "{}"));
  results.emplace_back("exec", rt.exec("web-1", {.process_json = "/p.json", .pid_file = "/pid"}));
  for (auto& [verb, result] : results) {
    CAPTURE(verb);
    REQUIRE_FALSE(result);
    CHECK(result.error().message == "runc " + verb + ": exit status 1: container does not exist");
    CHECK(result.error().kind == ErrorKind::NotFound);
  }
  auto state = rt.state("web-1");
  REQUIRE_FALSE(state);
  CHECK(state.error().message == "runc state: exit status 1: container does not exist");
  CHECK(state.error().kind == ErrorKind::NotFound);
  fake.check_log_removed();
}

TEST_CASE("crun's missing state file or directory is NotFound") {
  Fake fake(Flavor::Crun);
  std::string root = fake.config.state_root;
  fake.fail_with(R"({"msg":"error opening file `)" + root +
                 R"(/web-1/status`: No such file or directory","level":"error","time":"t"})" "\n");
  auto state = fake.runtime().state("web-1");
  REQUIRE_FALSE(state);
  CHECK(state.error().message == "crun state: exit status 1: error opening file `" + root +
                                     "/web-1/status`: No such file or directory");
  CHECK(state.error().kind == ErrorKind::NotFound);
  fake.fail_with(R"({"msg":"cannot open directory ')" + root +
                 R"(/web-1': No such file or directory","level":"error","time":"t"})" "\n");
  auto removed = fake.runtime().remove("web-1");
  REQUIRE_FALSE(removed);
  CHECK(removed.error().kind == ErrorKind::NotFound);
  fake.check_log_removed();
}

TEST_CASE("any other failure is Internal and keeps the exit status") {
  Fake fake;
  fake.fail_with(sample("runc-kill-stopped.log"), 2);
  auto killed = fake.runtime().kill("web-1", 9, true);
  REQUIRE_FALSE(killed);
  CHECK(killed.error().message == "runc kill: exit status 2: container not running");
  CHECK(killed.error().kind == ErrorKind::Internal);
  CHECK(fake.argv() == plus(fake.global(), {"kill", "--all", "web-1", "9"}));
  fake.check_log_removed();
}

TEST_CASE("with nothing in the log a captured stderr gives the message") {
  Fake fake(Flavor::Crun);
  fake.fail_with("");
  fake.tell("stderr", "open pidfd: No such process\n");
  auto killed = fake.runtime().kill("web-1", 9);
  REQUIRE_FALSE(killed);
  CHECK(killed.error().message == "crun kill: exit status 1: open pidfd: No such process");
}

TEST_CASE("create never reads the runtime's stderr: it belongs to the container") {
  Fake fake(Flavor::Crun);
  fake.fail_with("");
  fake.tell("stderr", "chdir `/nob` failed: No such file or directory\n");
  auto created = fake.runtime().create("web-1", {.bundle = "/nob", .pid_file = "/p"});
  REQUIRE_FALSE(created);
  CHECK(created.error().message == "crun create: exit status 1");
  CHECK(created.error().kind == ErrorKind::Internal);
}

TEST_CASE("successful calls: exact argv and log lines forwarded at debug level and log removed") {
  Fake fake;
  test::TempDir logs;
  UniqueFd log_fd(::open((logs / "dmc.log").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
  REQUIRE(log_fd);
  fake.tell("log-lines", R"({"level":"debug","msg":"hello from the runtime","time":"t"})" "\n");
  auto rt = fake.runtime(Logger("test", LogLevel::Debug, log_fd.get()));
  REQUIRE(rt.start("web-1"));
  CHECK(fake.argv() == plus(fake.global(), {"start", "web-1"}));
  REQUIRE(rt.remove("web-1", true));
  CHECK(fake.argv() == plus(fake.global(), {"delete", "--force", "web-1"}));
  REQUIRE(rt.pause("web-1"));
  REQUIRE(rt.resume("web-1"));
  CHECK(fake.seen("calls") == "start\ndelete\npause\nresume\n");
  fake.check_log_removed();
  auto forwarded = lines_of(test::read_text(logs / "dmc.log"));
  REQUIRE(forwarded.size() == 4);
  CHECK(forwarded[0].find(R"("level":"debug")") != std::string::npos);
  CHECK(forwarded[0].find(R"("message":"test.runrunc.start")") != std::string::npos);
  CHECK(forwarded[0].find(R"("id":"web-1")") != std::string::npos);
  CHECK(forwarded[0].find(R"(\"msg\":\"hello from the runtime\")") != std::string::npos);
  CHECK(forwarded[1].find(R"("message":"test.runrunc.delete")") != std::string::npos);
}

TEST_CASE("the log dir is made 0700 when missing") {
  Fake fake;
  REQUIRE_FALSE(path_exists(fake.config.log_dir));
  REQUIRE(fake.runtime().start("web-1"));
  CHECK(std::filesystem::status(fake.config.log_dir).permissions() ==
        std::filesystem::perms::owner_all);
}

TEST_CASE("state parses the runtime's stdout") {
  Fake fake;
  fake.tell("stdout", R"({"ociVersion":"1.0.2-dev","id":"web-1","pid":4254,"status":"running",
    "bundle":"/b/web-1","rootfs":"/b/web-1/rootfs","created":"2026-11-22T18:01:57Z","owner":""})");
  auto state = fake.runtime().state("web-1");
  REQUIRE(state);
  CHECK(state->id == "web-1");
  CHECK(state->status == "running");
  CHECK(state->pid == 4254);
  CHECK(state->bundle == "/b/web-1");
  CHECK(fake.argv() == plus(fake.global(), {"state", "web-1"}));
  fake.check_log_removed();
}

TEST_CASE("state rejects malformed output with an internal error") {
  Fake fake;
  fake.tell("stdout", R"({"id":"web-1","status":"running","pid":"many","bundle":"/b"})");
  auto state = fake.runtime().state("web-1");
  REQUIRE_FALSE(state);
  CHECK(state.error().message == R"(runc state: output: field "pid" must be an integer)");
  CHECK(state.error().kind == ErrorKind::Internal);
  fake.tell("stdout", "container web-1 is running\n");
  state = fake.runtime().state("web-1");
  REQUIRE_FALSE(state);
  CHECK(state.error().message.starts_with("runc state: output: invalid json at offset 0"));
  CHECK(state.error().kind == ErrorKind::Internal);
}

TEST_CASE("exec hands the caller's fds to the runtime and returns without waiting for EOF") {
  Fake fake;
  fake.tell("stdout", "to the process's stdout\n");
  fake.tell("hold-stdio", "");
  int p[2];
  REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
  UniqueFd read_end(p[0]), write_end(p[1]);
  auto start = std::chrono::steady_clock::now();
  auto execd = fake.runtime().exec(
      "web-1", {.process_json = "/p/process.json", .pid_file = "/p/pid", .stdout_fd = p[1]});
  CHECK(seconds_since(start) < 10);  // the holder keeps the pipe open for 30 s
  kill_holder(fake);
  REQUIRE(execd);
  write_end.reset();
  char buf[64] = {};
  CHECK(std::string(buf, ::read(read_end.get(), buf, sizeof buf)) == "to the process's stdout\n");
  CHECK(fake.argv() == plus(fake.global(), {"exec", "--process", "/p/process.json", "--pid-file",
                                            "/p/pid", "--detach", "web-1"}));
}

TEST_CASE("create returns once the runtime exits even if the container holds its stdio") {
  Fake fake;
  fake.tell("hold-stdio", "");
  test::TempDir bundle;
  auto start = std::chrono::steady_clock::now();
  auto created = fake.runtime().create("web-1", {.bundle = bundle.path(), .pid_file = bundle / "pid"});
  CHECK(seconds_since(start) < 10);
  kill_holder(fake);
  REQUIRE(created);
  CHECK(test::read_text(bundle / "pid") == "4242\n");
  fake.check_log_removed();
}

TEST_CASE("update writes the resources to a file for --resources and removes it") {
  Fake fake;
  const std::string resources = R"({"memory":{"limit":104857600},"pids":{"limit":50}})";
  REQUIRE(fake.runtime().update("web-1", resources));
  CHECK(fake.seen("resources-seen") == resources);
  Argv argv = fake.argv();
  REQUIRE(argv.size() == 11);
  CHECK(Argv(argv.begin(), argv.begin() + 7) == fake.global());
  CHECK(argv[7] == "update");
  CHECK(argv[8] == "--resources");
  CHECK(argv[9].starts_with(fake.config.log_dir + "/resources-"));
  CHECK(argv[10] == "web-1");
  CHECK_FALSE(path_exists(argv[9]));
  fake.check_log_removed();
}

TEST_CASE("a runtime binary that cannot be started is Unavailable") {
  Fake fake;
  fake.config.binary = fake.dir / "no-such-runtime";
  auto started = fake.runtime().start("web-1");
  REQUIRE_FALSE(started);
  CHECK(started.error().message ==
        "runc start: " + fake.config.binary + ": No such file or directory");
  CHECK(started.error().kind == ErrorKind::Unavailable);
  CHECK(dir_is_empty(fake.config.log_dir));
}

TEST_CASE("exec failures are typed by what the runtime says of the program") {
  for (Flavor flavor : {Flavor::Runc, Flavor::Crun}) {
    Fake fake(flavor);
    const std::string name = flavor == Flavor::Runc ? "runc" : "crun";
    CAPTURE(name);
    auto rt = fake.runtime();
    auto missing = rt.exec_failure({.code = 255}, sample(name + "-exec-nonexistent.log"));
    CHECK(missing.kind == ErrorKind::ExecutableNotFound);
    CHECK(missing.message.starts_with(name + " exec: exit status 255: "));
    CHECK(rt.exec_failure({.code = 255}, sample(name + "-exec-dir.log")).kind ==
          ErrorKind::NotExecutable);
    fake.fail_with(sample(name + "-exec-noexec.log"), 255);
    auto execd = rt.exec("web-1", {.process_json = "/p.json", .pid_file = "/pid"});
    REQUIRE_FALSE(execd);
    CHECK(execd.error().kind == ErrorKind::NotExecutable);
  }
  // The runtime's state of the container is gone: not the program's fault.
  Fake fake;
  auto gone = fake.runtime().exec_failure({.code = 255}, sample("runc-exec-not-found.log"));
  CHECK(gone.kind == ErrorKind::NotFound);
  CHECK(gone.message == "runc exec: exit status 255: exec failed: container does not exist");
}
