#include <doctest/doctest.h>

#include "journal/time.hpp"

using dmc::journal::parse_rfc3339;

TEST_CASE("RFC 3339 times parse with or without fraction and offset") {
  const int64_t base = int64_t{1796666400} * 1'000'000'000;  // 2026-12-07T18:00:00Z
  CHECK(parse_rfc3339("2026-12-07T18:00:00Z").value() == base);
  CHECK(parse_rfc3339("2026-12-07T18:00:00.5Z").value() == base + 500'000'000);
  CHECK(parse_rfc3339("2026-12-07T18:00:00.000000001Z").value() == base + 1);
  CHECK(parse_rfc3339("2026-12-07T19:30:00+01:30").value() == base);
  CHECK(parse_rfc3339("2026-12-07T17:00:00.25-01:00").value() == base + 250'000'000);
}

TEST_CASE("what is not RFC 3339 is invalid") {
  for (auto text : {"", "10m", "2026-12-07", "2026-12-07T18:00:00", "2026-13-07T18:00:00Z",
                    "2026-12-07T18:00:00.Z", "2026-12-07T18:00:00.1234567890Z",
                    "2026-12-07T18:00:00Zjunk", "2026-12-07T18:00:00+0100"}) {
    CAPTURE(text);
    auto parsed = parse_rfc3339(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().kind == dmc::ErrorKind::Invalid);
  }
}
