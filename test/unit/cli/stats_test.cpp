// dmc stats' numbers and lines, and the argument checks of pause, resume
// and stats (made before anything is touched).
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "cmd/commands.hpp"
#include "cmd/options.hpp"
#include "cmd/stats_format.hpp"

using namespace dmc;
using namespace dmc::cli;

namespace {

containerizer::Metrics reading(uint64_t cpu_ns, int64_t age_ns) {
  containerizer::Metrics m;
  m.cpu.usage_ns = cpu_ns;
  m.age_ns = age_ns;
  return m;
}

// The message of the UsageError that command throws for args, or "".
std::string usage_message(CommandFn command, const std::vector<std::string>& args) {
  try {
    (void)command(GlobalOptions{}, args);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("cpu % is the cpu used over the wall time between two readings, of one cpu") {
  auto before = reading(1'000'000'000, 10'000'000'000);
  CHECK(cpu_percent(reading(1'500'000'000, 11'000'000'000), &before) == doctest::Approx(50.0));
  CHECK(cpu_percent(reading(3'000'000'000, 11'000'000'000), &before) == doctest::Approx(200.0));
  CHECK(cpu_percent(reading(1'000'000'000, 11'000'000'000), &before) == 0.0);
}

TEST_CASE("cpu % without an earlier reading is over the container's life") {
  CHECK(cpu_percent(reading(250'000'000, 1'000'000'000), nullptr) == doctest::Approx(25.0));
  CHECK(cpu_percent(reading(0, 0), nullptr) == 0.0);  // no time passed: no division by zero
}

TEST_CASE("human_bytes uses binary units with one decimal at most") {
  CHECK(human_bytes(0) == "0B");
  CHECK(human_bytes(1023) == "1023B");
  CHECK(human_bytes(1536) == "1.5KiB");
  CHECK(human_bytes(64ull << 20) == "64MiB");
  CHECK(human_bytes(3ull << 40) == "3TiB");
}

TEST_CASE("a stats line shows usage / limit, memory % and pids, or unlimited without a limit") {
  StatsSample s{.handle = "web-1", .now = {}, .cpu_percent = 12.345};
  s.now.memory.usage = 16ull << 20;
  s.now.memory.limit = 64ull << 20;
  s.now.pids.current = 3;
  auto line = stats_line(s);
  CHECK(line.starts_with("web-1 "));
  CHECK(line.find(" 12.35% ") != std::string::npos);
  CHECK(line.find(" 16MiB / 64MiB ") != std::string::npos);
  CHECK(line.find(" 25.00% ") != std::string::npos);
  CHECK(line.ends_with(" 3\n"));
  s.now.memory.limit = 0;
  line = stats_line(s);
  CHECK(line.find(" 16MiB / unlimited ") != std::string::npos);
  CHECK(line.find(" -- ") != std::string::npos);
  CHECK(stats_header().starts_with("HANDLE "));
}

TEST_CASE("a stats JSON line holds the exact numbers, memory_percent null without a limit") {
  StatsSample s{.handle = "web-1", .now = {}, .cpu_percent = 50};
  s.now.cpu.usage_ns = 123;
  s.now.memory.usage = 1024;
  s.now.pids.current = 2;
  s.now.pids.max = 20;
  s.now.age_ns = 456;
  CHECK(stats_json(s) ==
        R"({"handle":"web-1","cpu_percent":50.0,"cpu_usage_ns":123,"memory_usage_bytes":1024,)"
        R"("memory_limit_bytes":0,"memory_percent":null,"pids":2,"pids_limit":20,"age_ns":456})"
        "\n");
}

TEST_CASE("pause, resume and stats need a handle") {
  CHECK(usage_message(pause_container, {"pause"}) == "HANDLE is required (see 'dmc pause --help')");
  CHECK(usage_message(resume_container, {"resume"}) ==
        "HANDLE is required (see 'dmc resume --help')");
  CHECK(usage_message(stats_command, {"stats", "--no-stream"}) ==
        "HANDLE is required (see 'dmc stats --help')");
  CHECK(usage_message(pause_container, {"pause", "h", "--kill"}) ==
        "unknown option '--kill' (see 'dmc pause --help')");
}

TEST_CASE("stats refuses an interval that is not a positive duration") {
  CHECK(stats_command(GlobalOptions{}, {"stats", "h", "--interval", "0"}) == kExitUsage);
  CHECK(stats_command(GlobalOptions{}, {"stats", "h", "--interval", "soon"}) == kExitUsage);
  CHECK(usage_message(stats_command, {"stats", "h", "--interval"}) ==
        "option 'interval' is missing an argument (see 'dmc stats --help')");
}
