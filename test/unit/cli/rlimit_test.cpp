#include <cstdint>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cmd/cli_args.hpp"

using namespace dmc;

namespace {

// --rlimit's text as dmc run takes it: its syntax read by the CLI, its
// name and order checked by the containerizer.
Result<oci::Rlimit> parse_rlimit(std::string_view text) {
  DMC_TRY(parsed, cli::parse_rlimit(text));
  return containerizer::checked_rlimit(parsed);
}

}  // namespace

namespace {

constexpr uint64_t kInfinity = UINT64_MAX;

struct Row {
  const char* text;
  const char* type;
  uint64_t soft;
  uint64_t hard;
};

}  // namespace

TEST_CASE("parse_rlimit turns name=soft[:hard] into an oci rlimit") {
  const std::vector<Row> table = {
      {"nofile=1024", "RLIMIT_NOFILE", 1024, 1024},
      {"nofile=1024:4096", "RLIMIT_NOFILE", 1024, 4096},
      {"NOFILE=0", "RLIMIT_NOFILE", 0, 0},
      {"RLIMIT_NOFILE=10:20", "RLIMIT_NOFILE", 10, 20},
      {"rlimit_core=unlimited", "RLIMIT_CORE", kInfinity, kInfinity},
      {"stack=8388608:unlimited", "RLIMIT_STACK", 8388608, kInfinity},
      {"cpu=UNLIMITED:unlimited", "RLIMIT_CPU", kInfinity, kInfinity},
      {"as=18446744073709551615", "RLIMIT_AS", kInfinity, kInfinity},
      {"data=1", "RLIMIT_DATA", 1, 1},
      {"fsize=2", "RLIMIT_FSIZE", 2, 2},
      {"locks=3", "RLIMIT_LOCKS", 3, 3},
      {"memlock=4", "RLIMIT_MEMLOCK", 4, 4},
      {"msgqueue=5", "RLIMIT_MSGQUEUE", 5, 5},
      {"nice=6", "RLIMIT_NICE", 6, 6},
      {"nproc=7", "RLIMIT_NPROC", 7, 7},
      {"rss=8", "RLIMIT_RSS", 8, 8},
      {"rtprio=9", "RLIMIT_RTPRIO", 9, 9},
      {"rttime=10", "RLIMIT_RTTIME", 10, 10},
      {"sigpending=11", "RLIMIT_SIGPENDING", 11, 11},
  };
  for (const auto& row : table) {
    const std::string text = row.text;
    CAPTURE(text);
    auto got = parse_rlimit(row.text);
    REQUIRE_MESSAGE(got, got.error().message);
    CHECK(got->type == row.type);
    CHECK(got->soft == row.soft);
    CHECK(got->hard == row.hard);
  }
}

TEST_CASE("parse_rlimit rejects malformed limits with the reason") {
  const std::vector<std::pair<const char*, const char*>> table = {
      {"nofile", "invalid rlimit 'nofile': expected name=value"},
      {"=10", "invalid rlimit '=10': expected name=value"},
      {"nofile=", "invalid rlimit 'nofile=': invalid value ''"},
      {"nofile=-1", "invalid rlimit 'nofile=-1': invalid value '-1'"},
      {"nofile=+1", "invalid rlimit 'nofile=+1': invalid value '+1'"},
      {"nofile=12abc", "invalid rlimit 'nofile=12abc': invalid value '12abc'"},
      {"nofile=1024:", "invalid rlimit 'nofile=1024:': invalid value ''"},
      {"nofile=1:2:3", "invalid rlimit 'nofile=1:2:3': invalid value '2:3'"},
      {"nofile=18446744073709551616",
       "invalid rlimit 'nofile=18446744073709551616': invalid value '18446744073709551616'"},
      // The containerizer's checks, the same for every front door:
      {"files=10", "invalid rlimit 'files': unknown resource (use one of as, core, cpu, data, "
                   "fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
                   "sigpending, stack)"},
      {"RLIMIT_FILES=10", "invalid rlimit 'RLIMIT_FILES': unknown resource (use one of as, core, "
                          "cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, "
                          "rtprio, rttime, sigpending, stack)"},
      {"nofile=4096:1024",
       "invalid rlimit 'nofile': the soft limit 4096 is above the hard limit 1024"},
      {"nofile=unlimited:1024",
       "invalid rlimit 'nofile': the soft limit unlimited is above the hard limit 1024"},
  };
  for (const auto& [text, message] : table) {
    const std::string shown = text;
    CAPTURE(shown);
    auto got = parse_rlimit(text);
    REQUIRE_FALSE(got);
    CHECK(got.error().kind == ErrorKind::Invalid);
    CHECK(got.error().message == message);
  }
}
