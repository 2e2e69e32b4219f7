#include <doctest/doctest.h>

#include "cmd/cli_args.hpp"

using dmc::cli::parse_duration;
using std::chrono::milliseconds;

TEST_CASE("a duration is one or more number-unit pairs, summed: h, m, s, ms") {
  CHECK(parse_duration("10s").value() == milliseconds(10'000));
  CHECK(parse_duration("500ms").value() == milliseconds(500));
  CHECK(parse_duration("2m").value() == milliseconds(120'000));
  CHECK(parse_duration("1h").value() == milliseconds(3'600'000));
  CHECK(parse_duration("1h30m").value() == milliseconds(5'400'000));
  CHECK(parse_duration("1m30s250ms").value() == milliseconds(90'250));
  CHECK(parse_duration("90").value() == milliseconds(90'000));  // a bare number: seconds
}

TEST_CASE("what is not a duration is invalid and says what a duration looks like") {
  for (auto text : {"", "h", "10x", "1h30", "1.5h", "-1s", "10 s", "s10"}) {
    CAPTURE(text);
    auto parsed = parse_duration(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message ==
          fmt::format("invalid duration '{}': use e.g. 10s, 500ms, 2m or 1h30m", text));
  }
}
