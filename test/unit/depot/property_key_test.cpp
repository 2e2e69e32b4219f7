// Property keys: never empty, never with '=' or a control character.
#include <doctest/doctest.h>

#include <string>

#include "depot/depot.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::depot::Depot;

TEST_CASE("validate_property_key takes plain keys, dots, spaces and UTF-8") {
  for (std::string key : {"a", "app.version", "a key", "größe", "x-1_2:3", "a/b"}) {
    CAPTURE(key);
    CHECK(depot::validate_property_key(key));
  }
}

TEST_CASE("validate_property_key refuses empty keys, '=' and control characters in one line") {
  struct Case {
    std::string key;
    std::string message;
  };
  for (const auto& [key, message] : {
           Case{"", "invalid property key '': must not be empty"},
           Case{"a=b", "invalid property key 'a=b': must not hold '='"},
           Case{"=", "invalid property key '=': must not hold '='"},
           Case{"a\nb", "invalid property key 'a\\x0ab': must not hold a newline or other "
                        "control character"},
           Case{"tab\t", "invalid property key 'tab\\x09': must not hold a newline or other "
                         "control character"},
           Case{"\r", "invalid property key '\\x0d': must not hold a newline or other control "
                      "character"},
       }) {
    CAPTURE(key);
    auto r = depot::validate_property_key(key);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == ErrorKind::Invalid);
    CHECK(r.error().message == message);
  }
}

TEST_CASE("write_properties refuses a bad key and leaves the properties as they were") {
  test::TempDir tmp;
  Depot d(tmp / "depot");
  REQUIRE(d.init());
  REQUIRE(d.create("web-1", {"{}", "{}", {{"a", "b"}}}));
  auto bad = d.write_properties("web-1", {{"a", "c"}, {"x\ny", "1"}});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().kind == ErrorKind::Invalid);
  auto kept = d.read_properties("web-1");
  REQUIRE(kept);
  CHECK(*kept == depot::Properties{{"a", "b"}});
}
