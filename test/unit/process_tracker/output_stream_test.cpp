// OutputStream with a real pipe as the process's output, a real spool file
// and real pipes as the clients' stdout.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include "support/skip.hpp"

#include "io_helpers.hpp"
#include "process_tracker/output_stream.hpp"
#include "process_tracker/shim_io.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::test;
using dmc::process_tracker::ClientEnd;
using dmc::process_tracker::ClientId;
using dmc::process_tracker::OutputStream;

namespace {

constexpr uint64_t kLargeCap = 64ull << 20;

UniqueFd open_spool(const std::string& path) {
  return open_file(path, O_RDWR | O_CREAT | O_TRUNC);
}

// One stream as the shim has it: the process writes into `process`, the
// stream reads the other end (non-blocking) and spools to spool_path.
struct Fixture {
  explicit Fixture(uint64_t cap = kLargeCap)
      : spool_path(temp / "stdout.spool"), stream(open_spool(spool_path), cap) {
    auto p = make_pipe();
    set_nonblocking(p[0].get());
    process = std::move(p[1]);
    stream.set_source(std::move(p[0]));
  }

  void write(std::string_view data) const { put_all(process.get(), data); }
  void pump() { REQUIRE(stream.pump(buffer.data(), buffer.size())); }
  bool flush(ClientId id) { return stream.flush(id, buffer.data(), buffer.size()); }
  [[nodiscard]] std::string spooled() const { return read_text(spool_path); }
  [[nodiscard]] long long spool_size() const { return file_size(spool_path); }
  [[nodiscard]] std::vector<ClientId> pending() const {
    std::vector<std::pair<ClientId, int>> polls;
    stream.pending_polls(polls);
    std::vector<ClientId> ids;
    for (auto [id, fd] : polls) ids.push_back(id);
    return ids;
  }

  TempDir temp;
  std::string spool_path;
  OutputStream stream;
  UniqueFd process;
  std::array<char, 65536> buffer{};
};

// A client's stdout: the stream writes into `end` (the shim's copy), the
// test reads `read`, as the client would. The client's own write end is
// closed, so `read` sees EOF once the stream lets go of the client.
struct Client {
  UniqueFd read;
  std::optional<ClientEnd> end;
};

Client client(int pipe_size = 0) {
  auto p = make_pipe();
  if (pipe_size > 0) REQUIRE(::fcntl(p[1].get(), F_SETPIPE_SZ, pipe_size) >= pipe_size);
  return Client{std::move(p[0]), client_end(p[1].get(), true)};
}

void subscribe(OutputStream& stream, ClientId id, Client& c) {
  REQUIRE(c.end);
  stream.subscribe(id, std::move(*c.end));
  c.end.reset();
}

// True once the stream closed its copy of the client's pipe.
bool let_go(const Client& c) {
  pollfd p{c.read.get(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && !(p.revents & POLLIN);
}

}  // namespace

TEST_CASE("output nobody takes is spooled and a later subscriber gets exactly it, in order") {
  Fixture f;
  f.write("first,");
  f.pump();
  f.write("second");
  f.pump();
  CHECK(f.spooled() == "first,second");
  CHECK_FALSE(f.stream.all_delivered());

  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.stream.subscribed(1));
  CHECK_FALSE(f.stream.caught_up(1));
  CHECK(f.pending() == std::vector<ClientId>{1});

  CHECK(f.flush(1));
  CHECK(read_available(a.read.get()) == "first,second");
  CHECK(f.stream.caught_up(1));
  CHECK(f.stream.all_delivered());
  CHECK(f.pending().empty());
}

TEST_CASE("a caught-up subscriber gets output directly and the spool stays empty") {
  Fixture f;
  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.pending().empty());

  f.write("live ");
  f.pump();
  CHECK(read_available(a.read.get()) == "live ");
  CHECK(f.spool_size() == 0);
  f.write("output");
  f.pump();
  CHECK(read_available(a.read.get()) == "output");
  CHECK(f.spool_size() == 0);
  CHECK(f.stream.caught_up(1));
  CHECK(f.stream.all_delivered());
  CHECK(f.pending().empty());
}

TEST_CASE("two subscribers both get every byte, spooled and live") {
  Fixture f;
  f.write("early;");
  f.pump();

  Client a = client();
  Client b = client();
  subscribe(f.stream, 1, a);
  subscribe(f.stream, 2, b);
  CHECK(f.pending() == std::vector<ClientId>{1, 2});
  CHECK(f.flush(1));
  CHECK(f.flush(2));
  f.write("late");
  f.pump();

  CHECK(read_available(a.read.get()) == "early;late");
  CHECK(read_available(b.read.get()) == "early;late");
  CHECK(f.spool_size() == 0);
  CHECK(f.stream.all_delivered());
}

TEST_CASE("a new subscriber starts at the first byte no client has received") {
  Fixture f;
  f.write("one;");
  f.pump();
  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));
  f.write("two;");
  f.pump();
  CHECK(read_available(a.read.get()) == "one;two;");

  Client b = client();
  subscribe(f.stream, 2, b);
  CHECK(f.stream.caught_up(2));  // nothing for it: a received everything
  CHECK(f.pending().empty());
  f.write("three;");
  f.pump();
  CHECK(read_available(a.read.get()) == "three;");
  CHECK(read_available(b.read.get()) == "three;");

  f.stream.unsubscribe(1);
  f.stream.unsubscribe(2);
  CHECK_FALSE(f.stream.subscribed(1));
  f.write("four;");
  f.pump();
  CHECK(f.spooled() == "four;");

  Client c = client();
  subscribe(f.stream, 3, c);
  CHECK(f.flush(3));
  CHECK(read_available(c.read.get()) == "four;");
  CHECK(f.spool_size() == 0);
}

TEST_CASE("a subscriber that took part of the spool leaves the rest to the next one") {
  Fixture f;
  Client a = client(4096);
  const int capacity = pipe_capacity(a.read.get());
  const std::string data = pattern(static_cast<size_t>(capacity) + 1904);
  f.write(data);
  f.pump();
  REQUIRE(same_bytes(f.spooled(), data));

  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));  // a's pipe takes only `capacity` bytes
  const std::string got_a = read_available(a.read.get());
  REQUIRE(!got_a.empty());
  REQUIRE(got_a.size() < data.size());
  CHECK(same_bytes(got_a, data.substr(0, got_a.size())));
  f.stream.unsubscribe(1);
  CHECK(f.spool_size() > 0);  // the rest is still needed

  Client b = client();
  subscribe(f.stream, 2, b);
  CHECK(f.flush(2));
  CHECK(same_bytes(read_available(b.read.get()), data.substr(got_a.size())));
  CHECK(f.stream.all_delivered());
  CHECK(f.spool_size() == 0);
}

TEST_CASE("a slow subscriber keeps its bytes in the spool and the cap holds the process back") {
  const uint64_t cap = 8192;
  Fixture f(cap);
  Client a = client(4096);
  const size_t total = 5 * 4096 + 123;
  const std::string data = pattern(total, 7);
  f.write(data);
  f.process.reset();  // the process wrote everything and exited
  subscribe(f.stream, 1, a);

  // Nobody reads a's pipe: the stream reads the process until the spool
  // holds `cap` bytes a still needs, then stops.
  int pumps = 0;
  while (f.stream.wants_input() && pumps < 100) {
    f.pump();
    ++pumps;
  }
  CHECK_FALSE(f.stream.wants_input());
  CHECK(f.stream.source_open());
  const std::string first = read_available(a.read.get());
  REQUIRE(!first.empty());
  CHECK(same_bytes(first, data.substr(0, first.size())));
  CHECK(f.pending() == std::vector<ClientId>{1});
  // Held back, not dropped: what a has not received, up to the cap, was
  // taken from the process; the rest is still in its pipe.
  CHECK(bytes_buffered(f.stream.source()) == static_cast<int>(total - first.size() - cap));

  // The client reads again: everything comes through, exactly once.
  std::string got = first;
  for (int i = 0; i < 1000 && !(!f.stream.source_open() && f.stream.caught_up(1)); ++i) {
    CHECK(f.flush(1));
    got += read_available(a.read.get());
    if (f.stream.wants_input()) f.pump();
  }
  got += read_available(a.read.get());
  CHECK_FALSE(f.stream.source_open());
  CHECK(f.stream.caught_up(1));
  CHECK(same_bytes(got, data));
  CHECK(f.spool_size() == 0);
}

TEST_CASE("to one caught-up client the bytes are spliced: they never pass through the shim") {
  Fixture f;
  Client a = client();
  subscribe(f.stream, 1, a);
  f.buffer.fill('Z');
  f.write("spliced bytes");
  f.pump();
  CHECK(read_available(a.read.get()) == "spliced bytes");
  CHECK(std::string(f.buffer.data(), 13) == std::string(13, 'Z'));  // untouched
  CHECK(f.spool_size() == 0);
  CHECK(f.stream.caught_up(1));
  CHECK(f.stream.all_delivered());

  // Two clients: each byte is read once and written to both.
  Client b = client();
  subscribe(f.stream, 2, b);
  f.write("read once");
  f.pump();
  CHECK(read_available(a.read.get()) == "read once");
  CHECK(read_available(b.read.get()) == "read once");
  CHECK(std::string(f.buffer.data(), 9) == "read once");
}

TEST_CASE("a client that cannot take a splice gets the bytes written, and nothing is lost") {
  Fixture f;
  TempDir dir;
  const std::string out = dir / "client-file";
  UniqueFd file = open_file(out, O_WRONLY | O_CREAT | O_APPEND);  // no splice into O_APPEND
  f.stream.subscribe(1, client_end(file.get(), true));
  f.write("first ");
  f.pump();
  f.write("second");
  f.pump();
  f.process.reset();
  f.pump();  // EOF
  CHECK(read_text(out) == "first second");
  CHECK_FALSE(f.stream.source_open());
  CHECK(f.stream.all_delivered());
}

TEST_CASE("a tty client, which the kernel cannot splice into, gets every byte written") {
  Fixture f;
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  REQUIRE(master);
  REQUIRE(::grantpt(master.get()) == 0);
  REQUIRE(::unlockpt(master.get()) == 0);
  UniqueFd tty = open_file(::ptsname(master.get()), O_WRONLY | O_NOCTTY);
  termios raw{};
  REQUIRE(::tcgetattr(tty.get(), &raw) == 0);
  ::cfmakeraw(&raw);
  REQUIRE(::tcsetattr(tty.get(), TCSANOW, &raw) == 0);
  f.stream.subscribe(1, client_end(tty.get(), true));
  f.write("to a terminal");
  f.pump();
  f.write(", twice");
  f.pump();
  set_nonblocking(master.get());
  CHECK(read_available(master.get()) == "to a terminal, twice");
  CHECK(f.stream.all_delivered());
}

TEST_CASE("with nobody subscribed the spool takes cap bytes and then holds the process back") {
  Fixture f(10);
  f.write("abcdefghijklmnopqrstuvwxy");
  f.process.reset();
  for (int i = 0; i < 20 && f.stream.wants_input(); ++i) f.pump();
  CHECK_FALSE(f.stream.wants_input());
  CHECK(f.spooled() == "abcdefghij");
  CHECK(bytes_buffered(f.stream.source()) == 15);

  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK_FALSE(f.stream.wants_input());  // a still needs the ten spooled bytes
  CHECK(f.flush(1));
  CHECK(read_available(a.read.get()) == "abcdefghij");
  CHECK(f.stream.wants_input());
  f.pump();
  CHECK(read_available(a.read.get()) == "klmnopqrst");
  f.pump();
  CHECK(read_available(a.read.get()) == "uvwxy");
  CHECK(f.stream.source_open());
  f.pump();  // EOF
  CHECK_FALSE(f.stream.source_open());
  CHECK_FALSE(f.stream.wants_input());
  CHECK(f.spool_size() == 0);
}

TEST_CASE("a subscriber whose reader is gone is dropped while its bytes wait for the next") {
  SigpipeIgnored sigpipe;
  Fixture f;

  SUBCASE("when output is written to it directly") {
    Client a = client();
    subscribe(f.stream, 1, a);
    a.read.reset();
    f.write("for the next one");
    f.pump();
    CHECK_FALSE(f.stream.subscribed(1));
    CHECK(f.spooled() == "for the next one");
  }
  SUBCASE("when it is flushed from the spool") {
    f.write("for the next one");
    f.pump();
    Client a = client();
    subscribe(f.stream, 1, a);
    a.read.reset();
    CHECK_FALSE(f.flush(1));
    CHECK_FALSE(f.stream.subscribed(1));
    CHECK(f.spooled() == "for the next one");
  }
  CHECK(f.stream.caught_up(1));  // not subscribed any more
  CHECK_FALSE(f.stream.all_delivered());

  Client b = client();
  subscribe(f.stream, 2, b);
  CHECK(f.flush(2));
  CHECK(read_available(b.read.get()) == "for the next one");
  CHECK(f.stream.all_delivered());
}

TEST_CASE("a subscriber whose reader is gone does not hold back the others") {
  SigpipeIgnored sigpipe;
  Fixture f;
  Client a = client();
  Client b = client();
  subscribe(f.stream, 1, a);
  subscribe(f.stream, 2, b);
  a.read.reset();
  f.write("to b");
  f.pump();
  CHECK_FALSE(f.stream.subscribed(1));
  CHECK(read_available(b.read.get()) == "to b");
  CHECK(f.stream.all_delivered());
  CHECK(f.spool_size() == 0);
}

TEST_CASE("unsubscribing lets go of the client's fd") {
  Fixture f;
  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK_FALSE(let_go(a));
  f.stream.unsubscribe(1);
  CHECK(let_go(a));
}

TEST_CASE("drain reads everything the exited process left in the pipe and closes it") {
  Fixture f(16);  // the cap does not apply: the process is gone
  const std::string data = pattern(1000, 3);
  f.write(data);
  f.process.reset();
  std::array<char, 64> small{};
  REQUIRE(f.stream.drain(small.data(), small.size()));
  CHECK_FALSE(f.stream.source_open());
  CHECK_FALSE(f.stream.wants_input());
  CHECK(same_bytes(f.spooled(), data));

  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));
  CHECK(same_bytes(read_available(a.read.get()), data));
}

TEST_CASE("drain gives a caught-up subscriber the rest directly") {
  Fixture f;
  Client a = client();
  subscribe(f.stream, 1, a);
  f.write("tail");
  f.process.reset();
  REQUIRE(f.stream.drain(f.buffer.data(), f.buffer.size()));
  CHECK_FALSE(f.stream.source_open());
  CHECK(read_available(a.read.get()) == "tail");
  CHECK(f.spool_size() == 0);
  CHECK(f.stream.all_delivered());
}

TEST_CASE("drain does not wait for a writer that is still open") {
  Watchdog watchdog;
  Fixture f;
  f.write("so far");
  REQUIRE(f.stream.drain(f.buffer.data(), f.buffer.size()));  // f.process stays open
  CHECK_FALSE(f.stream.source_open());
  CHECK(f.spooled() == "so far");
}

TEST_CASE("the spool is truncated once every subscriber caught up") {
  Fixture f;
  f.write("abc");
  f.pump();
  Client a = client();
  Client b = client();
  subscribe(f.stream, 1, a);
  subscribe(f.stream, 2, b);

  CHECK(f.flush(1));
  CHECK(read_available(a.read.get()) == "abc");
  CHECK(f.spooled() == "abc");  // b still needs it
  CHECK(f.flush(2));
  CHECK(read_available(b.read.get()) == "abc");
  CHECK(f.spool_size() == 0);
}

TEST_CASE("the spool is truncated when the only subscriber lagging behind leaves") {
  Fixture f;
  f.write("jkl");
  f.pump();
  Client d = client();
  Client e = client();
  subscribe(f.stream, 4, d);
  subscribe(f.stream, 5, e);
  CHECK(f.flush(4));
  CHECK(read_available(d.read.get()) == "jkl");
  CHECK(f.spooled() == "jkl");  // e still needs it
  f.stream.unsubscribe(5);
  CHECK(f.spool_size() == 0);
  CHECK(f.stream.all_delivered());

  // Later output is spooled from the start of the file again.
  f.stream.unsubscribe(4);
  f.write("mno");
  f.pump();
  CHECK(f.spooled() == "mno");
  Client g = client();
  subscribe(f.stream, 6, g);
  CHECK(f.flush(6));
  CHECK(read_available(g.read.get()) == "mno");
  CHECK(f.spool_size() == 0);
}

TEST_CASE("the spool gives back the disk space of output every subscriber has") {
  // Only where the file system can punch holes (the stream ignores it).
  TempDir probe;
  {
    UniqueFd fd = open_spool(probe / "probe");
    REQUIRE(::ftruncate(fd.get(), 1 << 20) == 0);
    if (::fallocate(fd.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096) != 0) {
      DMC_SKIP("no hole punching on " + probe.path());
    }
  }
  const size_t mib = 1 << 20;
  Fixture f;
  const std::string data = pattern(3 * mib, 11);
  for (size_t done = 0; done < data.size();) {
    size_t n = std::min<size_t>(65536, data.size() - done);
    f.write(std::string_view(data).substr(done, n));
    while (bytes_buffered(f.stream.source()) > 0) f.pump();
    done += n;
  }
  REQUIRE(f.spool_size() == static_cast<long long>(data.size()));
  auto allocated = [&] {
    struct stat st;
    REQUIRE(::stat(f.spool_path.c_str(), &st) == 0);
    return static_cast<long long>(st.st_blocks) * 512;
  };
  REQUIRE(allocated() >= static_cast<long long>(3 * mib));

  Client a = client();
  subscribe(f.stream, 1, a);
  std::string got;
  for (int i = 0; i < 10000 && got.size() < 2 * mib + mib / 2; ++i) {
    CHECK(f.flush(1));
    got += read_available(a.read.get());
  }
  REQUIRE(got.size() >= 2 * mib + mib / 2);
  REQUIRE(got.size() < data.size());
  CHECK(allocated() <= static_cast<long long>(2 * mib));
  CHECK(f.spool_size() == static_cast<long long>(data.size()));  // the size is kept

  for (int i = 0; i < 10000 && !f.stream.caught_up(1); ++i) {
    CHECK(f.flush(1));
    got += read_available(a.read.get());
  }
  got += read_available(a.read.get());
  CHECK(same_bytes(got, data));
  CHECK(f.spool_size() == 0);
}

TEST_CASE("a subscriber that is a regular file gets spooled and live output at its offset") {
  Fixture f;
  f.write("spooled;");
  f.pump();
  const std::string out = f.temp / "out.txt";
  UniqueFd file = file_with(out, "kept;", O_WRONLY);
  REQUIRE(::lseek(file.get(), 0, SEEK_END) == 5);
  f.stream.subscribe(1, client_end(file.get(), true));

  CHECK(f.pending() == std::vector<ClientId>{1});  // a file is always writable to poll
  CHECK(f.flush(1));
  f.write("live");
  f.pump();
  CHECK(read_text(out) == "kept;spooled;live");
  CHECK(::lseek(file.get(), 0, SEEK_CUR) == 17);  // the client's own offset moved on
  CHECK(f.stream.all_delivered());
}

TEST_CASE("a subscriber that is an O_APPEND file gets the spooled output") {
  Fixture f;
  f.write("spooled;");
  f.pump();
  const std::string out = f.temp / "log.txt";
  UniqueFd file = file_with(out, "old;", O_WRONLY | O_APPEND);
  f.stream.subscribe(1, client_end(file.get(), true));

  CHECK(f.flush(1));
  CHECK(f.stream.subscribed(1));
  f.write("live");
  f.pump();
  CHECK(read_text(out) == "old;spooled;live");
  CHECK(f.stream.all_delivered());
}
