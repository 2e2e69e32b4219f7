#include <doctest/doctest.h>

#include "cmd/cli_args.hpp"

using namespace dmc;
using namespace dmc::cli;

TEST_CASE("parse_size takes bytes and binary units in any case") {
  CHECK(*parse_size("1048576") == 1048576u);
  CHECK(*parse_size("256M") == 256u << 20);
  CHECK(*parse_size("256m") == 256u << 20);
  CHECK(*parse_size("256MiB") == 256u << 20);
  CHECK(*parse_size("256MB") == 256u << 20);
  CHECK(*parse_size("1g") == 1u << 30);
  CHECK(*parse_size("2T") == 2ull << 40);
  CHECK(*parse_size("10b") == 10u);
  CHECK(*parse_size("4k") == 4096u);
}

TEST_CASE("parse_size refuses what it cannot read, naming the value") {
  CHECK(parse_size("").error().message == "invalid size '': must start with a number");
  CHECK(parse_size("M").error().message == "invalid size 'M': must start with a number");
  CHECK(parse_size("12X").error().message ==
        "invalid size '12X': use a number of bytes, or with K, M, G or T");
  CHECK(parse_size("-1").error().kind == ErrorKind::Invalid);
  CHECK(parse_size("99999999999999999999").error().kind == ErrorKind::Invalid);
  CHECK(parse_size("17000000000T").error().message == "invalid size '17000000000T': too large");
}

TEST_CASE("parse_count checks the range") {
  CHECK(*parse_count("pids", "50", 1, 100) == 50);
  CHECK(parse_count("pids", "0", 1, 100).error().message ==
        "invalid pids '0': must be from 1 to 100");
  CHECK(parse_count("pids", "5x", 1, 100).error().kind == ErrorKind::Invalid);
}

TEST_CASE("parse_key_value splits at the first '=' and keeps the rest") {
  auto kv = parse_key_value("env", "A=b=c,d");
  REQUIRE(kv);
  CHECK(kv->first == "A");
  CHECK(kv->second == "b=c,d");
  CHECK(parse_key_value("env", "A=")->second == "");
  CHECK(parse_key_value("property", "=x").error().message ==
        "invalid property '=x': expected KEY=VALUE");
  CHECK_FALSE(parse_key_value("property", "novalue"));
}

TEST_CASE("parse_bind_mount reads SRC:DST with an optional mode") {
  auto rw = parse_bind_mount("/src:/dst");
  REQUIRE(rw);
  CHECK(rw->source == "/src");
  CHECK(rw->destination == "/dst");
  CHECK_FALSE(rw->read_only);
  CHECK(parse_bind_mount("/src:/dst:ro")->read_only);
  CHECK_FALSE(parse_bind_mount("/src:/dst:rw")->read_only);
  CHECK(parse_bind_mount("/src:/dst:xx").error().message ==
        "invalid bind mount '/src:/dst:xx': expected SRC:DST[:ro|:rw]");
  CHECK_FALSE(parse_bind_mount("/src"));
  CHECK_FALSE(parse_bind_mount(":/dst"));
  CHECK_FALSE(parse_bind_mount("/src:"));
}
