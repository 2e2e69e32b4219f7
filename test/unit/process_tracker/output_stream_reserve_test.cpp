// OutputStream's reservations: the place a subscriber still to come starts
// at, kept while other subscribers move on, with real pipes and a real spool.
#include <array>
#include <chrono>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "io_helpers.hpp"
#include "process_tracker/output_stream.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::test;
using dmc::process_tracker::ClientEnd;
using dmc::process_tracker::ClientId;
using dmc::process_tracker::OutputStream;
using Clock = OutputStream::Clock;

namespace {

constexpr uint64_t kLargeCap = 64ull << 20;
const Clock::time_point kT0 = Clock::now();
const Clock::time_point kLater = kT0 + std::chrono::seconds(60);

struct Fixture {
  explicit Fixture(uint64_t cap = kLargeCap)
      : spool_path(temp / "stdout.spool"),
        stream(open_file(spool_path, O_RDWR | O_CREAT | O_TRUNC), cap) {
    auto p = make_pipe();
    set_nonblocking(p[0].get());
    process = std::move(p[1]);
    stream.set_source(std::move(p[0]));
  }
  void write(std::string_view data) const { put_all(process.get(), data); }
  void pump() { REQUIRE(stream.pump(buffer.data(), buffer.size())); }
  bool flush(ClientId id) { return stream.flush(id, buffer.data(), buffer.size()); }
  // A new client's stdout pipe, subscribed under `token`: its read end.
  UniqueFd subscribe(ClientId id, uint32_t token) {
    auto p = make_pipe();
    stream.subscribe(id, client_end(p[1].get(), true), token);
    return std::move(p[0]);
  }
  [[nodiscard]] long long spool_size() const { return file_size(spool_path); }

  TempDir temp;
  std::string spool_path;
  OutputStream stream;
  UniqueFd process;
  std::array<char, 65536> buffer{};
};

}  // namespace

TEST_CASE("a claimant gets everything since the reservation, though another client received it") {
  Fixture f;
  UniqueFd a = f.subscribe(1, 0);
  f.write("one;");
  f.pump();
  CHECK(read_available(a.get()) == "one;");

  f.stream.reserve(7, kLater);
  f.write("two;");
  f.pump();
  f.write("three;");
  f.pump();
  CHECK(f.flush(1));  // through the spool now, which keeps the bytes
  CHECK(read_available(a.get()) == "two;three;");
  CHECK(f.stream.all_delivered());

  // Without the token: the usual place, the first byte no client received.
  UniqueFd other = f.subscribe(2, 0);
  CHECK(f.stream.caught_up(2));
  UniqueFd wrong = f.subscribe(3, 8);
  CHECK(f.stream.caught_up(3));

  UniqueFd b = f.subscribe(4, 7);
  CHECK(f.flush(4));
  CHECK(read_available(b.get()) == "two;three;");
  CHECK(f.spool_size() == 0);  // nobody needs the spooled bytes any more

  // Claimed once: the next one under that token starts as usual.
  UniqueFd c = f.subscribe(5, 7);
  CHECK(f.stream.caught_up(5));
  f.write("four;");
  f.pump();
  for (ClientId id : {1, 2, 3, 4, 5}) CHECK(f.flush(id));
  CHECK(read_available(a.get()) == "four;");
  CHECK(read_available(b.get()) == "four;");
  CHECK(read_available(c.get()) == "four;");
}

TEST_CASE("a reservation starts at the first byte no client received, like a new subscriber") {
  Fixture f;
  f.write("early;");
  f.pump();
  f.stream.reserve(7, kLater);
  UniqueFd a = f.subscribe(1, 0);
  CHECK(f.flush(1));
  CHECK(read_available(a.get()) == "early;");

  UniqueFd b = f.subscribe(2, 7);
  CHECK(f.flush(2));
  CHECK(read_available(b.get()) == "early;");
}

TEST_CASE("an unclaimed reservation pins the spool and the cap holds the process back until it expires") {
  const uint64_t cap = 8192;
  Fixture f(cap);
  UniqueFd a = f.subscribe(1, 0);
  f.stream.reserve(7, kLater);
  CHECK(f.stream.next_expiry() == kLater);
  const std::string data = pattern(5 * 4096, 3);
  f.write(data);

  std::string got;
  for (int i = 0; i < 100 && f.stream.wants_input(); ++i) {
    f.pump();
    got += read_available(a.get());
  }
  CHECK_FALSE(f.stream.wants_input());  // held back, not dropped
  CHECK(f.spool_size() == static_cast<long long>(cap));
  CHECK(same_bytes(got, data.substr(0, cap)));  // a is never the one held back

  f.stream.expire(kLater - std::chrono::seconds(1));
  CHECK_FALSE(f.stream.wants_input());
  f.stream.expire(kLater);
  CHECK_FALSE(f.stream.next_expiry());
  CHECK(f.stream.wants_input());
  CHECK(f.spool_size() == 0);
  for (int i = 0; i < 100 && bytes_buffered(f.stream.source()) > 0; ++i) {
    f.pump();
    got += read_available(a.get());
  }
  CHECK(same_bytes(got, data));

  // Expired: a claimant starts as usual.
  UniqueFd b = f.subscribe(2, 7);
  CHECK(f.stream.caught_up(2));
}

TEST_CASE("a reservation is kept only while it would still give bytes") {
  Fixture f;
  CHECK_FALSE(f.stream.reserved());
  f.stream.reserve(7, kLater);
  CHECK(f.stream.reserved());  // the process may write more

  f.write("tail");
  f.process.reset();
  REQUIRE(f.stream.drain(f.buffer.data(), f.buffer.size()));
  CHECK_FALSE(f.stream.source_open());
  CHECK(f.stream.reserved());  // "tail" is spooled for it

  UniqueFd a = f.subscribe(1, 0);
  CHECK(f.flush(1));
  CHECK(f.stream.reserved());  // a took "tail", the reservation still owes it
  UniqueFd b = f.subscribe(2, 7);
  CHECK(f.flush(2));
  CHECK(read_available(b.get()) == "tail");
  CHECK_FALSE(f.stream.reserved());

  f.stream.reserve(8, kLater);
  CHECK_FALSE(f.stream.reserved());  // everything was received and no more comes
}
