// Stream ids: random non-zero uint32 tokens in decimal, which lead to their
// process until 60 s after it ended.
#include <uv.h>

#include <cstdint>
#include <set>
#include <string>

#include <doctest/doctest.h>

#include "garden/process_session.hpp"

using dmc::garden::StreamRegistry;

namespace {

struct Loop {
  Loop() { REQUIRE(uv_loop_init(&loop) == 0); }
  ~Loop() { uv_loop_close(&loop); }
  uv_loop_t loop{};
};

}  // namespace

TEST_CASE("a stream id is its token in decimal and finds the handle, process and token") {
  Loop l;
  StreamRegistry streams(&l.loop);
  uint32_t token = streams.new_token();
  CHECK(token != 0);
  std::string id = streams.add(token, "box", "proc");
  CHECK(id == std::to_string(token));
  auto entry = streams.find(id);
  REQUIRE(entry);
  CHECK(entry->handle == "box");
  CHECK(entry->process_id == "proc");
  CHECK(entry->token == token);
  CHECK_FALSE(streams.find("0"));
}

TEST_CASE("tokens are drawn at random, so a new registry does not repeat an old one's") {
  Loop l;
  std::set<uint32_t> seen;
  for (int run = 0; run < 2; ++run) {  // as two dmcd lives
    StreamRegistry streams(&l.loop);
    for (int i = 0; i < 3; ++i) {
      uint32_t token = streams.new_token();
      streams.add(token, "box", "proc");
      CHECK(seen.insert(token).second);
    }
  }
  // Not 1, 2, 3 as a counter would give: the chance that all six random
  // draws are that small is nil.
  CHECK(*seen.rbegin() > 1000);
}
