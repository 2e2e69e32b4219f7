// dmc-shim's command line: shim_args() writes it, parse_shim_args() reads it.
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "process_tracker/shim.hpp"
#include "support/machine.hpp"

using namespace dmc;
using dmc::process_tracker::kDefaultSpoolCap;
using dmc::process_tracker::parse_shim_args;
using dmc::process_tracker::shim_args;
using dmc::process_tracker::ShimOptions;
using Strings = std::vector<std::string>;

namespace {

ShimOptions parse(const Strings& args) {
  auto got = parse_shim_args(args);
  REQUIRE_MESSAGE(got, got.error().message);
  return *got;
}

void check_same(const ShimOptions& got, const ShimOptions& want) {
  CHECK(got.dir == want.dir);
  CHECK(got.spool_cap == want.spool_cap);
  CHECK(got.tty == want.tty);
  CHECK(got.ready_fd == want.ready_fd);
  CHECK(got.lock_fd == want.lock_fd);
  CHECK(got.runtime_fd == want.runtime_fd);
  CHECK(got.runtime_argv == want.runtime_argv);
}

}  // namespace

TEST_CASE("shim_args writes the options before -- and the runtime command after it") {
  ShimOptions plain{
      .dir = "/depot/h/processes/p", .spool_cap = 4096, .runtime_argv = {"runc", "exec"}};
  CHECK(shim_args(plain) ==
        Strings{"--dir", "/depot/h/processes/p", "--spool-cap", "4096", "--", "runc", "exec"});

  ShimOptions all{.dir = "/d",
                  .spool_cap = 1,
                  .tty = true,
                  .ready_fd = 0,
                  .lock_fd = 7,
                  .runtime_fd = 9,
                  .runtime_argv = {"crun", "exec", "--detach"}};
  CHECK(shim_args(all) == Strings{"--dir", "/d", "--spool-cap", "1", "--tty", "--ready-fd", "0",
                                  "--lock-fd", "7", "--runtime-fd", "9", "--", "crun", "exec",
                                  "--detach"});
}

TEST_CASE("parse_shim_args reads back what shim_args wrote") {
  const std::vector<ShimOptions> table = {
      {.dir = "/a dir/with spaces", .runtime_argv = {"runc"}},
      {.dir = "/d", .spool_cap = 123, .tty = true, .ready_fd = 5, .lock_fd = 0, .runtime_fd = 12,
       .runtime_argv = {"runc", "--root", "/run/x", "exec", "--detach", "--pid-file", "/d/pid",
                        "h"}},
      // Flags and a second -- after the first belong to the runtime.
      {.dir = "/d", .spool_cap = UINT64_MAX, .ready_fd = 1,
       .runtime_argv = {"rt", "--tty", "--dir", "/elsewhere", "--", "--spool-cap", "0"}},
      {.dir = "-", .runtime_argv = {"--"}},
  };
  for (const auto& want : table) {
    CAPTURE(want.dir);
    check_same(parse(shim_args(want)), want);
  }
}

TEST_CASE("parse_shim_args has defaults for what is not given") {
  auto got = parse({"--dir", "/d", "--", "runc", "exec"});
  CHECK(got.dir == "/d");
  CHECK(got.spool_cap == kDefaultSpoolCap);
  CHECK_FALSE(got.tty);
  CHECK(got.ready_fd == -1);
  CHECK(got.runtime_argv == Strings{"runc", "exec"});
}

TEST_CASE("parse_shim_args rejects a malformed command line with the reason") {
  const std::vector<std::pair<Strings, std::string>> table = {
      {{}, "--dir is required"},
      {{"--", "runc"}, "--dir is required"},
      {{"--spool-cap", "5", "--", "runc"}, "--dir is required"},
      {{"--dir", "/d"}, "no runtime command after --"},
      {{"--dir", "/d", "--"}, "no runtime command after --"},
      {{"--dir"}, "--dir needs a value"},
      {{"--dir", "/d", "--spool-cap"}, "--spool-cap needs a value"},
      {{"--dir", "/d", "--ready-fd"}, "--ready-fd needs a value"},
      {{"--dir", "/d", "--bogus", "--", "runc"}, "unknown argument '--bogus'"},
      {{"--dir", "/d", "runc", "exec"}, "unknown argument 'runc'"},
      {{"--dir", "/d", "--spool-cap", "12k", "--", "runc"}, "--spool-cap: not a number: '12k'"},
      {{"--dir", "/d", "--spool-cap", "", "--", "runc"}, "--spool-cap: not a number: ''"},
      {{"--dir", "/d", "--spool-cap", "-1", "--", "runc"}, "--spool-cap: not a number: '-1'"},
      {{"--dir", "/d", "--spool-cap", " 1", "--", "runc"}, "--spool-cap: not a number: ' 1'"},
      {{"--dir", "/d", "--spool-cap", "99999999999999999999", "--", "runc"},
       "--spool-cap: not a number: '99999999999999999999'"},
      {{"--dir", "/d", "--spool-cap", "0", "--", "runc"}, "--spool-cap must be positive"},
      {{"--dir", "/d", "--ready-fd", "x", "--", "runc"}, "--ready-fd: not a number: 'x'"},
  };
  for (const auto& [args, message] : table) {
    CAPTURE(message);
    auto got = parse_shim_args(args);
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == ErrorKind::Invalid);
    CHECK(got.error().message == message);
  }
}

TEST_CASE("dmc-shim refuses a malformed command line on stderr with exit code 2") {
  const std::string shim = std::string(DMC_BIN_DIR) + "/dmc-shim";
  auto bogus = dmc::test::run({shim, "--dir", "/nonexistent", "--bogus", "--", "true"});
  CHECK(bogus.code == 2);
  CHECK(bogus.out.empty());
  CHECK(bogus.err == "dmc-shim: unknown argument '--bogus'\n");

  auto no_runtime = dmc::test::run({shim, "--dir", "/nonexistent"});
  CHECK(no_runtime.code == 2);
  CHECK(no_runtime.err == "dmc-shim: no runtime command after --\n");
}

TEST_CASE("parse_shim_args rejects a --ready-fd, --lock-fd or --runtime-fd that is not an fd number") {
  for (std::string flag : {"--ready-fd", "--lock-fd", "--runtime-fd"}) {
    for (std::string text : {"4294967297", "2147483648"}) {
      CAPTURE(flag);
      CAPTURE(text);
      auto got = parse_shim_args({"--dir", "/d", flag, text, "--", "runc"});
      REQUIRE_FALSE(got);
      CHECK(got.error().kind == ErrorKind::Invalid);
      CHECK(got.error().message == flag + ": not a file descriptor: '" + text + "'");
    }
  }
}
