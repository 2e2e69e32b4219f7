// The command line's own errors: usage errors and the exit codes of run.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cmd/cli_args.hpp"
#include "cmd/options.hpp"

using namespace dmc;
using namespace dmc::cli;

namespace {

cxxopts::Options sample_options() {
  cxxopts::Options o("dmc sample", "a command for the tests");
  o.add_options()
    ("memory", "a size", cxxopts::value<std::string>(), "SIZE")
    ("k,kill", "a flag")
    ("handle", "", cxxopts::value<std::string>());
  o.parse_positional({"handle"});
  return o;
}

// The message of the UsageError that parse throws for args, or "".
std::string usage_message(std::vector<std::string> args) {
  auto o = sample_options();
  args.insert(args.begin(), "sample");
  try {
    (void)parse(o, args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("an unknown option is named in plain quotes with the command's help") {
  CHECK(usage_message({"--x"}) == "unknown option '--x' (see 'dmc sample --help')");
  CHECK(usage_message({"h", "--nope=3"}) == "unknown option '--nope' (see 'dmc sample --help')");
  CHECK(usage_message({"-q"}) == "unknown option '-q' (see 'dmc sample --help')");
  CHECK(usage_message({"-kq"}) == "unknown option '-q' (see 'dmc sample --help')");
  CHECK(usage_message({"h", "--", "--x"}) == "");  // after "--", not an option
  CHECK(usage_message({"--memory"}) ==
        "option 'memory' is missing an argument (see 'dmc sample --help')");
  CHECK(usage_message({"h", "--memory", "1M", "-k"}) == "");
}

TEST_CASE("a value that looks like an option is taken as the option's value") {
  auto o = sample_options();
  auto parsed = parse(o, {"sample", "h", "--memory", "-5"});
  CHECK(parsed["memory"].as<std::string>() == "-5");
  CHECK(parsed["handle"].as<std::string>() == "h");
}

TEST_CASE("run and attach map an error's kind to 127, 126 or 125") {
  auto code = [](ErrorKind kind) { return process_error_code(Error{kind, "whatever it says", 0}); };
  CHECK(code(ErrorKind::ExecutableNotFound) == 127);
  CHECK(code(ErrorKind::NotExecutable) == 126);
  for (auto kind : {ErrorKind::Invalid, ErrorKind::NotFound, ErrorKind::Internal,
                    ErrorKind::ContainerNotFound, ErrorKind::ProcessNotFound,
                    ErrorKind::ContainerNotRunning, ErrorKind::ProcessLost}) {
    CAPTURE(to_string(kind));
    CHECK(code(kind) == 125);
  }
  // The message plays no part.
  CHECK(process_error_code(Error{ErrorKind::Internal, "exec: no such file or directory", 2}) ==
        125);
}

TEST_CASE("parse_property refuses keys that could not be read back") {
  CHECK(parse_property("app=web")->first == "app");
  CHECK(parse_property("a=b=c")->second == "b=c");
  CHECK(parse_property("=v").error().kind == ErrorKind::Invalid);
  CHECK(parse_property("a\nb=v").error().message ==
        "invalid property key 'a\\x0ab': must not hold a newline or other control character");
  auto all = parse_properties({"a=1", "b\t=2"});
  REQUIRE_FALSE(all);
  CHECK(all.error().kind == ErrorKind::Invalid);
}
