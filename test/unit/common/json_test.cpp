#include <doctest/doctest.h>

#include "common/json.hpp"

using namespace dmc;

TEST_CASE("parse rejects malformed json and trailing garbage with a clear message") {
  auto bad = json::parse("{\"a\":", "request");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Invalid);
  CHECK(bad.error().message.starts_with("request: invalid json at offset"));
  CHECK_FALSE(json::parse("{} {}", "request"));
}

TEST_CASE("checked getters validate types and tell absent from null from zero") {
  auto doc = json::parse(R"({"s":"x","n":0,"z":null,"b":true,"big":18446744073709551615})", "t");
  REQUIRE(doc);
  CHECK(*json::get_string(*doc, "s") == "x");
  CHECK_FALSE(json::get_string(*doc, "n"));
  CHECK(json::get_optional_int64(*doc, "n")->value() == 0);
  CHECK_FALSE(json::get_optional_int64(*doc, "z")->has_value());
  CHECK_FALSE(json::get_optional_int64(*doc, "absent")->has_value());
  CHECK(json::get_optional_bool(*doc, "b")->value());
  CHECK(json::get_optional_uint64(*doc, "big")->value() == 18446744073709551615ull);
  CHECK_FALSE(json::get_optional_int64(*doc, "big"));
  auto wrong = json::get_optional_bool(*doc, "s");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message == "field \"s\" must be a boolean");
}

TEST_CASE("quote escapes like a JSON writer") {
  CHECK(json::quote("a\"b\\c\n") == R"("a\"b\\c\n")");
}
