// OutputStream when the spool's disk is full, and the state it leaves on
// disk for a later attach without the shim. A full disk is /dev/full (every
// write fails with ENOSPC) until the test puts a real file in its place
// (dup2 over the stream's spool fd: the space came back), or a tiny tmpfs
// (a write fits in part).
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <array>
#include <optional>
#include <string>

#include <doctest/doctest.h>

#include "io_helpers.hpp"
#include "process_tracker/output_stream.hpp"
#include "process_tracker/record.hpp"
#include "support/machine.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::test;
using dmc::process_tracker::ClientEnd;
using dmc::process_tracker::OutputStream;

namespace {

constexpr uint64_t kCap = 64ull << 20;

// One stream whose spool is `spool` (its fd number kept, to swap the file
// under it), with a state file in temp.
struct DiskFixture {
  explicit DiskFixture(UniqueFd spool)
      : spool_fd(spool.get()),
        state_path(temp / "stdout.state"),
        stream(std::move(spool), kCap, open_file(state_path, O_RDWR | O_CREAT | O_TRUNC)) {
    auto p = make_pipe();
    set_nonblocking(p[0].get());
    process = std::move(p[1]);
    stream.set_source(std::move(p[0]));
  }

  void write(std::string_view data) const { put_all(process.get(), data); }
  void pump() { REQUIRE(stream.pump(buffer.data(), buffer.size())); }
  bool flush(process_tracker::ClientId id) {
    return stream.flush(id, buffer.data(), buffer.size());
  }
  // The disk has room again: a real, empty spool file in place of the full one.
  std::string make_room() {
    const std::string path = temp / "stdout.spool";
    UniqueFd file = open_file(path, O_RDWR | O_CREAT | O_TRUNC);
    REQUIRE(::dup3(file.get(), spool_fd, O_CLOEXEC) == spool_fd);
    return path;
  }
  [[nodiscard]] process_tracker::SpoolState state() const {
    return process_tracker::read_state(state_path);
  }

  TempDir temp;
  int spool_fd;
  std::string state_path;
  OutputStream stream;
  UniqueFd process;
  std::array<char, 65536> buffer{};
};

UniqueFd full_disk() { return open_file("/dev/full", O_RDWR); }

struct Client {
  UniqueFd read;
  std::optional<ClientEnd> end;
};

Client client() {
  auto p = make_pipe();
  return Client{std::move(p[0]), client_end(p[1].get(), true)};
}

void subscribe(OutputStream& stream, process_tracker::ClientId id, Client& c) {
  stream.subscribe(id, std::move(*c.end));
  c.end.reset();
}

// A tmpfs of `size` bytes mounted on a temp dir, unmounted however the test
// ends.
class TinyTmpfs {
 public:
  explicit TinyTmpfs(const std::string& size) {
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                       ("size=" + size).c_str()) == 0;
    REQUIRE_MESSAGE(mounted_, "mount tmpfs: ", std::strerror(errno));
  }
  ~TinyTmpfs() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  TinyTmpfs(const TinyTmpfs&) = delete;
  TinyTmpfs& operator=(const TinyTmpfs&) = delete;
  [[nodiscard]] std::string path(const std::string& name) const { return dir_ / name; }

 private:
  TempDir dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("a full disk holds the process back and keeps the bytes it read, in order") {
  DiskFixture f(full_disk());
  f.write("abcdef");
  f.pump();
  CHECK(f.stream.holding());
  CHECK_FALSE(f.stream.wants_input());  // held back: its pipe is not read
  f.write("ghi");
  f.pump();  // even if asked, it reads nothing while it holds bytes
  CHECK(bytes_buffered(f.stream.source()) == 3);
  CHECK_FALSE(f.stream.all_delivered());

  f.stream.retry(f.buffer.data(), f.buffer.size());  // still full
  CHECK(f.stream.holding());
  const std::string spool = f.make_room();
  f.stream.retry(f.buffer.data(), f.buffer.size());
  CHECK_FALSE(f.stream.holding());
  CHECK(read_text(spool) == "abcdef");
  CHECK(f.stream.wants_input());
  f.pump();
  CHECK(read_text(spool) == "abcdefghi");

  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));
  CHECK(read_available(a.read.get()) == "abcdefghi");
  CHECK(f.stream.all_delivered());
}

TEST_CASE("a client takes the held bytes from memory while the disk stays full") {
  DiskFixture f(full_disk());
  f.write("held");
  f.pump();
  REQUIRE(f.stream.holding());
  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));
  CHECK(read_available(a.read.get()) == "held");
  CHECK_FALSE(f.stream.holding());
  CHECK(f.stream.all_delivered());
  CHECK(f.stream.wants_input());
  f.write(" then live");
  f.pump();
  CHECK(read_available(a.read.get()) == " then live");
}

TEST_CASE("after the process exited, a full disk pauses the drain and retry finishes it") {
  DiskFixture f(full_disk());
  const std::string data = pattern(1000, 5);
  f.write(data);
  f.process.reset();
  std::array<char, 64> small{};
  REQUIRE(f.stream.drain(small.data(), small.size()));
  CHECK(f.stream.holding());
  CHECK(f.stream.source_open());  // not closed: 936 bytes are still in the pipe
  CHECK(bytes_buffered(f.stream.source()) == 936);

  const std::string spool = f.make_room();
  f.stream.retry(small.data(), small.size());
  CHECK_FALSE(f.stream.holding());
  CHECK_FALSE(f.stream.source_open());
  CHECK(same_bytes(read_text(spool), data));
}

TEST_CASE("a write that fits in part spools that part and holds the rest") {
  TinyTmpfs disk("16k");
  const std::string spool_path = disk.path("stdout.spool");
  DiskFixture f(open_file(spool_path, O_RDWR | O_CREAT | O_TRUNC));
  const std::string data = pattern(60000, 9);
  f.write(data);
  f.pump();
  CHECK(f.stream.holding());
  CHECK(file_size(spool_path) > 0);
  CHECK(file_size(spool_path) < static_cast<long long>(data.size()));

  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));  // the spooled part from the file, the rest from memory
  CHECK(same_bytes(read_available(a.read.get()), data));
  CHECK(f.stream.all_delivered());
  CHECK_FALSE(f.stream.holding());
  CHECK(file_size(spool_path) == 0);
}

TEST_CASE("the state file says where the spool starts and what no client received") {
  TempDir dir;
  DiskFixture f(open_file(dir / "stdout.spool", O_RDWR | O_CREAT | O_TRUNC));
  f.write("first");
  f.pump();
  CHECK(f.state().base == 0);
  CHECK(f.state().delivered == 0);

  Client a = client();
  subscribe(f.stream, 1, a);
  CHECK(f.flush(1));
  CHECK(read_available(a.read.get()) == "first");
  CHECK(f.state().delivered == 5);  // recorded after the flush
  f.stream.unsubscribe(1);

  f.write("second");
  f.pump();  // the spool was emptied: it starts again at byte 5
  CHECK(read_text(dir / "stdout.spool") == "second");
  CHECK(f.state().base == 5);
  CHECK(f.state().delivered == 5);
}
