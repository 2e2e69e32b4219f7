#include <doctest/doctest.h>

#include <string>

#include "runrunc/internal.hpp"
#include "runrunc/runtime.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::runrunc;

namespace {

// Logs captured from runc 1.1.5 and crun 1.8.1 with --log-format json.
std::string sample(const std::string& name) {
  return test::read_text(std::string(DMC_TEST_FIXTURES) + "/runrunc/" + name);
}

}  // namespace

TEST_CASE("runc logs: the msg of the last error line") {
  CHECK(last_error_message(sample("runc-create-already-exists.log")) ==
        "runc create failed: container with given ID already exists");
  CHECK(last_error_message(sample("runc-delete-not-found.log")) == "container does not exist");
  CHECK(last_error_message(sample("runc-exec-not-found.log")) ==
        "exec failed: container does not exist");
  CHECK(last_error_message(sample("runc-kill-stopped.log")) == "container not running");
  CHECK(last_error_message(sample("runc-create-missing-bundle.log")) ==
        "runc create failed: chdir /tmp/rr-exp/nob: no such file or directory");
}

TEST_CASE("runc debug log: debug lines are skipped and the error after them is kept") {
  std::string log = sample("runc-create-init-fail-debug.log");
  REQUIRE(log.find(R"("level":"debug")") != std::string::npos);
  CHECK(last_error_message(log) ==
        "runc create failed: unable to start container process: error during container init: "
        "error mounting \"/nonexistent-src\" to rootfs at \"/mnt\": stat /nonexistent-src: "
        "no such file or directory");
}

TEST_CASE("crun logs: msg comes first in crun's lines and the level is read all the same") {
  CHECK(last_error_message(sample("crun-create-hybrid.log")) ==
        "cgroups in hybrid mode not supported, drop all controllers from cgroupv2");
  CHECK(last_error_message(sample("crun-create-already-exists.log")) ==
        "container `c2` already exists");
  CHECK(last_error_message(sample("crun-state-not-found.log")) ==
        "error opening file `/tmp/rr-exp/r3/nope/status`: No such file or directory");
  CHECK(last_error_message(sample("crun-delete-not-found.log")) ==
        "cannot open directory '/tmp/rr-exp/r3/nope': No such file or directory");
  CHECK(last_error_message(sample("crun-kill-stopped.log")) == "open pidfd: No such process");
  CHECK(last_error_message(sample("crun-create-init-fail.log")) ==
        "error stat'ing file `/nonexistent-src`: No such file or directory");
}

TEST_CASE("last_error_message: levels and plain text and empty logs") {
  CHECK(last_error_message("") == "");
  CHECK(last_error_message("\n\n") == "");
  CHECK(last_error_message(R"({"level":"warning","msg":"w","time":"t"})") == "");
  CHECK(last_error_message(R"({"level":"info","msg":"i"})" "\n") == "");
  CHECK(last_error_message(R"({"level":"fatal","msg":"f"})") == "f");
  CHECK(last_error_message(R"({"level":"error","msg":"first"})" "\n"
                           R"({"level":"error","msg":"second"})" "\n") == "second");
  CHECK(last_error_message(R"({"level":"error","msg":"e"})" "\n"
                           R"({"level":"warning","msg":"w"})") == "e");
  CHECK(last_error_message("plain text from the runtime\n") == "plain text from the runtime");
  CHECK(last_error_message(R"({"level":"error","msg":"trunc)") == R"({"level":"error","msg":"trunc)");
  CHECK(last_error_message(R"({"level":"error","msg":7})") == "");
  CHECK(last_error_message(R"({"level":3,"msg":"x"})") == "");
  CHECK(last_error_message("42") == "42");
  CHECK(last_error_message("  {\"level\":\"error\",\"msg\":\"spaced\"}  \r\n") == "spaced");
}

TEST_CASE("classify_error knows runc's and crun's texts") {
  CHECK(classify_error("container does not exist", "web-1") == ErrorKind::NotFound);
  CHECK(classify_error("exec failed: container does not exist", "web-1") == ErrorKind::NotFound);
  CHECK(classify_error("error opening file `/run/dmc/crun/web-1/status`: No such file or directory",
                       "web-1") == ErrorKind::NotFound);
  CHECK(classify_error("cannot open directory '/run/dmc/crun/web-1': No such file or directory",
                       "web-1") == ErrorKind::NotFound);
  CHECK(classify_error("runc create failed: container with given ID already exists", "web-1") ==
        ErrorKind::AlreadyExists);
  CHECK(classify_error("container `web-1` already exists", "web-1") == ErrorKind::AlreadyExists);
}

TEST_CASE("classify_error: anything else or another id's file is internal") {
  CHECK(classify_error("", "web-1") == ErrorKind::Internal);
  CHECK(classify_error("container not running", "web-1") == ErrorKind::Internal);
  CHECK(classify_error("open pidfd: No such process", "web-1") == ErrorKind::Internal);
  CHECK(classify_error("error stat'ing file `/nonexistent-src`: No such file or directory",
                       "web-1") == ErrorKind::Internal);
  CHECK(classify_error("error opening file `/run/dmc/crun/web-2/status`: No such file or directory",
                       "web-1") == ErrorKind::Internal);
  CHECK(classify_error("container `web-2` already exists", "web-1") == ErrorKind::Internal);
}

TEST_CASE("parse_state reads runc's and crun's state output") {
  auto runc = parse_state(R"({"ociVersion":"1.0.2-dev","id":"c1","pid":4254,"status":"created",
      "bundle":"/tmp/b","rootfs":"/tmp/b/rootfs","created":"2026-11-22T18:01:57.661149415Z",
      "owner":""})");
  REQUIRE(runc);
  CHECK(runc->id == "c1");
  CHECK(runc->status == "created");
  CHECK(runc->pid == 4254);
  CHECK(runc->bundle == "/tmp/b");
  auto crun = parse_state(R"({"ociVersion":"1.0.0","id":"c2","pid":0,"status":"stopped",
      "bundle":"/tmp/b","rootfs":"rootfs","systemd-scope":"","owner":"root"})");
  REQUIRE(crun);
  CHECK(crun->status == "stopped");
  CHECK(crun->pid == 0);
}

TEST_CASE("parse_state rejects malformed output with an internal error") {
  struct Case {
    const char* text;
    const char* message;
  };
  for (auto [text, message] : {
           Case{"", "output: invalid json at offset 0: The document is empty."},
           Case{"[1]", "output: not a json object"},
           Case{R"({"id":"c","status":"running","bundle":"/b"})", R"(output: field "pid" is missing)"},
           Case{R"({"id":"c","status":"running","pid":"12","bundle":"/b"})",
                R"(output: field "pid" must be an integer)"},
           Case{R"({"id":"c","status":"running","pid":-1,"bundle":"/b"})",
                R"(output: field "pid" is out of range: -1)"},
           Case{R"({"id":"c","status":"running","pid":99999999999,"bundle":"/b"})",
                R"(output: field "pid" is out of range: 99999999999)"},
           Case{R"({"id":3,"status":"running","pid":1,"bundle":"/b"})",
                R"(output: field "id" must be a string)"},
           Case{R"({"id":"c","pid":1,"bundle":"/b"})", R"(output: field "status" is missing)"},
       }) {
    CAPTURE(text);
    auto state = parse_state(text);
    REQUIRE_FALSE(state);
    CHECK(state.error().kind == ErrorKind::Internal);
    CHECK(state.error().message == message);
  }
}

// Logs of `exec --detach` captured from runc 1.1.5 and crun 1.8.1 in a
// busybox container: what dmc run's exit code (127, 126 or 125) is made of.
TEST_CASE("classify_exec_error: a missing program, a directory, no x bit, a lost container") {
  struct Case {
    const char* log;
    ErrorKind kind;
  };
  for (auto [log, kind] : {
           Case{"runc-exec-nonexistent.log", ErrorKind::ExecutableNotFound},
           Case{"runc-exec-path.log", ErrorKind::ExecutableNotFound},
           Case{"runc-exec-notdir.log", ErrorKind::ExecutableNotFound},
           Case{"runc-exec-dir.log", ErrorKind::NotExecutable},
           Case{"runc-exec-noexec.log", ErrorKind::NotExecutable},
           Case{"runc-exec-not-found.log", ErrorKind::NotFound},
           Case{"crun-exec-nonexistent.log", ErrorKind::ExecutableNotFound},
           Case{"crun-exec-path.log", ErrorKind::ExecutableNotFound},
           Case{"crun-exec-notdir.log", ErrorKind::ExecutableNotFound},
           Case{"crun-exec-dir.log", ErrorKind::NotExecutable},
           Case{"crun-exec-noexec.log", ErrorKind::NotExecutable},
           Case{"crun-exec-state-gone.log", ErrorKind::NotFound},
       }) {
    CAPTURE(log);
    CHECK(classify_exec_error(last_error_message(sample(log)), "") == kind);
  }
}

TEST_CASE("classify_exec_error: the container's own missing files are not the program's") {
  // A missing rootfs path in a mount, a missing cwd: dmc's failure, exit 125.
  CHECK(classify_exec_error("exec failed: unable to start container process: error during "
                            "container init: stat /x: no such file or directory", "") ==
        ErrorKind::Internal);
  CHECK(classify_exec_error("error stat'ing file `/nonexistent-src`: No such file or directory",
                            "") == ErrorKind::Internal);
  CHECK(classify_exec_error("chdir to cwd (\"/nope\") set in config.json failed: No such file "
                            "or directory", "") == ErrorKind::Internal);
  CHECK(classify_exec_error("", "") == ErrorKind::Internal);
}
