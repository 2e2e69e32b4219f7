#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include <doctest/doctest.h>
#include <fmt/format.h>

#include "nstar_fixture.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

const std::string kUp = "../../../../../../../../../..";

// A host directory an archive must never reach, with a file it must not change.
struct Victim {
  TempDir dir;
  Victim() { write_text(dir / "target", "original"); }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    DIR* d = ::opendir(dir.path().c_str());
    REQUIRE(d);
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
    return out;
  }
  void check_untouched() const {
    CHECK(names() == std::vector<std::string>{"target"});
    CHECK(read_text(dir / "target") == "original");
  }
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Streams tar in as root at /data: it must fail with `expected` in the
// message, and leave the host, the image and the container's / unchanged.
void check_refused(ContainerFixture& c, const Victim& victim, const std::string& tar,
                   const std::string& expected) {
  auto image_before = tree_of(DMC_DEFAULT_ROOTFS);
  auto result = c.stream_in(kRoot, "/data", tar);
  REQUIRE_FALSE(result);
  CHECK_MESSAGE(contains(result.error().message, expected), result.error().message);
  CHECK(result.error().message.starts_with("error streaming in: "));
  victim.check_untouched();
  CHECK_FALSE(exists(c.host_path(victim.dir.path())));
  CHECK_FALSE(exists(c.host_path("/escape")));
  CHECK_FALSE(exists(c.host_path("/tmp/escape")));
  CHECK(read_text(c.host_path("/etc/dmc-rootfs")) == "dmc default rootfs (busybox)\n");
  CHECK(tree_of(DMC_DEFAULT_ROOTFS) == image_before);
}

// A ustar header by hand, for what libarchive's writer will not produce.
std::string ustar_header(const std::string& name, char type, size_t size,
                         const std::string& link = "") {
  std::string h(512, '\0');
  auto put = [&](size_t at, const std::string& value) { h.replace(at, value.size(), value); };
  auto octal = [&](size_t at, size_t width, uint64_t value) {
    put(at, fmt::format("{:0{}o}", value, width - 1));
  };
  put(0, name);
  octal(100, 8, 0644);
  octal(108, 8, 0);
  octal(116, 8, 0);
  octal(124, 12, size);
  octal(136, 12, 1700000000);
  put(148, "        ");
  h[156] = type;
  put(157, link);
  put(257, std::string("ustar\0" "00", 8));
  unsigned sum = 0;
  for (unsigned char ch : h) sum += ch;
  put(148, fmt::format("{:06o}", sum) + std::string("\0 ", 2));
  return h;
}

std::string padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

std::string pax_record(const std::string& key, const std::string& value) {
  std::string body = " " + key + "=" + value + "\n";
  size_t length = body.size() + 1;
  while (std::to_string(length).size() + body.size() != length) ++length;
  return std::to_string(length) + body;
}

// A file f, then a pax hard link to `target` that carries data.
std::string hard_link_with_data(const std::string& target, const std::string& data) {
  std::string pax = pax_record("comment", "a hard link with a body");
  return ustar_header("f", '0', 8) + padded("original") +
         ustar_header("PaxHeaders/h", 'x', pax.size()) + padded(pax) +
         ustar_header("h", '1', data.size(), target) + padded(data) + std::string(1024, '\0');
}

}  // namespace

TEST_CASE("entries named with .. or an absolute path are refused") {
  ContainerFixture c;
  Victim victim;
  check_refused(c, victim, make_tar({tar_file(kUp + victim.dir.path() + "/escape", "x")}),
                "path leads outside the destination");
  check_refused(c, victim, make_tar({tar_file(victim.dir.path() + "/escape", "x")}),
                "path leads outside the destination");
  check_refused(c, victim, make_tar({tar_file("ok/../../escape", "x")}),
                "path leads outside the destination");
  CHECK_FALSE(exists(c.host_path("/data/ok")));
}

TEST_CASE("nothing is written through a symlink, wherever it points") {
  ContainerFixture c;
  Victim victim;
  check_refused(c, victim, make_tar({tar_symlink("s", "/"), tar_file("s/tmp/escape", "x")}),
                "Cannot extract through symlink s");
  auto through_root = "t" + victim.dir.path() + "/escape";
  check_refused(c, victim, make_tar({tar_symlink("t", "/"), tar_file(through_root, "x")}),
                "Cannot extract through symlink t");
  check_refused(c, victim,
                make_tar({tar_symlink("up", kUp + victim.dir.path()), tar_file("up/escape", "x")}),
                "Cannot extract through symlink up");
  // The links themselves may exist: they are the container's business.
  CHECK(info_of(c.host_path("/data/s")).link == "/");
}

TEST_CASE("hard links out of the destination are refused") {
  ContainerFixture c;
  Victim victim;
  check_refused(c, victim, make_tar({tar_hardlink("h", victim.dir / "target")}),
                "hard link to '" + victim.dir / "target" + "' leads outside the destination");
  check_refused(c, victim, make_tar({tar_hardlink("h", kUp + victim.dir / "target")}),
                "leads outside the destination");
  check_refused(c, victim, make_tar({tar_hardlink("h", "/etc/dmc-rootfs")}),
                "leads outside the destination");
  check_refused(c, victim, make_tar({tar_symlink("s", "/etc"), tar_hardlink("h", "s/dmc-rootfs")}),
                "s/dmc-rootfs");
  CHECK_FALSE(exists(c.host_path("/data/h")));
}

TEST_CASE("data carried by a hard link is never written through it") {
  ContainerFixture c;
  auto result = c.stream_in(kRoot, "/data", hard_link_with_data("f", "changed"));
  REQUIRE_MESSAGE(result, result.error().message);
  CHECK(read_text(c.host_path("/data/f")) == "original");
  CHECK(info_of(c.host_path("/data/h")).inode == info_of(c.host_path("/data/f")).inode);

  Victim victim;
  check_refused(c, victim, hard_link_with_data(victim.dir / "target", "changed"),
                "leads outside the destination");
}

TEST_CASE("device nodes are refused") {
  ContainerFixture c;
  Victim victim;
  TarEntry disk;
  disk.name = "disk";
  disk.type = TarEntry::BlockDevice;
  check_refused(c, victim, make_tar({disk}), "entry 'disk': device nodes are not allowed");
  CHECK_FALSE(exists(c.host_path("/data/disk")));
}

TEST_CASE("a truncated or corrupt stream is an error") {
  ContainerFixture c;
  Victim victim;
  auto tar = make_tar({tar_file("big", std::string(100000, 'b')), tar_file("after", "a")});
  check_refused(c, victim, tar.substr(0, 50000), "Truncated tar archive");
  check_refused(c, victim, std::string(4096, '\x5a'), "Unrecognized archive format");
  auto second_broken = tar;
  second_broken[512 + 100000 + 300] ^= 0x55;  // somewhere in the second header
  auto at = make_tar({tar_file("big", std::string(100000, 'b'))}).size() - 1024;
  second_broken = tar.substr(0, at) + std::string(512, '\x7f') + tar.substr(at + 512);
  check_refused(c, victim, second_broken, "Damaged tar archive");
}

TEST_CASE("a stream of zero bytes is refused and makes nothing") {
  ContainerFixture c;
  auto result = c.stream_in(kRoot, "/data/empty", "");
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "error streaming in: empty tar stream");
  CHECK(result.error().kind == ErrorKind::Invalid);
  CHECK_FALSE(exists(c.host_path("/data")));
}

TEST_CASE("an archive without entries only makes the destination") {
  ContainerFixture c;
  auto tar = make_tar({});
  REQUIRE(tar.size() >= 1024);  // the end-of-archive blocks
  auto result = c.stream_in(kRoot, "/data/empty", tar);
  REQUIRE_MESSAGE(result, result.error().message);
  CHECK(info_of(c.host_path("/data/empty")).type == 'd');
}

TEST_CASE("an empty destination is refused") {
  ContainerFixture c;
  auto result = c.stream_in(kRoot, "", make_tar({tar_file("f", "x")}));
  REQUIRE_FALSE(result);
  CHECK(result.error().message == "error streaming in: no destination given");
  CHECK_FALSE(exists(c.host_path("/root/f")));
  CHECK_FALSE(exists(c.host_path("/f")));
}

TEST_CASE("a refused stream is still read to its end") {
  ContainerFixture c;
  auto tar = make_tar({tar_file("/abs", "x"), tar_file("big", std::string(8 << 20, 'b'))});
  auto pipe = make_pipe();
  auto old = ::signal(SIGPIPE, SIG_IGN);  // a failure shows as EPIPE, not a death
  size_t written = 0;
  std::thread writer([&] {
    while (written < tar.size()) {
      ssize_t n = ::write(pipe[1].get(), tar.data() + written, tar.size() - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    pipe[1].reset();
  });
  auto result = c.nstar.stream_in(proc::Claim{.pid = c.init_pid}, kRoot, "/data", pipe[0].get());
  pipe[0].reset();  // the writer must not wait for a reader that is gone
  writer.join();
  ::signal(SIGPIPE, old);
  REQUIRE_FALSE(result);
  CHECK(written == tar.size());
}

TEST_CASE("a missing source fails before any byte is written") {
  ContainerFixture c;
  auto missing = c.stream_out(kRoot, "/data/missing");
  REQUIRE_FALSE(missing.result);
  CHECK(missing.result.error().message ==
        "error streaming out: stat /data/missing: No such file or directory");
  CHECK(missing.result.error().kind == ErrorKind::NotFound);
  CHECK(missing.bytes.empty());

  auto missing_file = c.stream_out(kRoot, "/etc/missing");
  REQUIRE_FALSE(missing_file.result);
  CHECK(missing_file.result.error().message ==
        "error streaming out: stat /etc/missing: No such file or directory");
  CHECK(missing_file.bytes.empty());
}

TEST_CASE("a process that is not in a container is refused") {
  ContainerFixture c;
  Victim victim;
  auto tar = make_tar({tar_file("x", "x")});
  write_text(c.scratch / "x.tar", tar);
  UniqueFd fd(::open((c.scratch / "x.tar").c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  auto ours = c.nstar.stream_in(proc::Claim{.pid = ::getpid()}, kRoot, victim.dir.path(), fd.get());
  REQUIRE_FALSE(ours);
  CHECK(contains(ours.error().message, "is not in a container"));
  victim.check_untouched();

  auto gone = c.nstar.stream_in(proc::Claim{.pid = 999999999}, kRoot, "/data", fd.get());
  REQUIRE_FALSE(gone);
  CHECK(gone.error().message ==
        "error streaming in: the container's init is gone: process 999999999 has exited");
  CHECK(gone.error().kind == ErrorKind::ContainerNotRunning);
}

TEST_CASE("an init pid that another process has now is refused before entering") {
  ContainerFixture c;
  auto tar = make_tar({tar_file("x", "x")});
  write_text(c.scratch / "x.tar", tar);
  UniqueFd fd(::open((c.scratch / "x.tar").c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd);
  auto started = proc::start_time(c.init_pid);
  REQUIRE(started);
  auto other_start = c.nstar.stream_in(proc::Claim{.pid = c.init_pid, .start_time = *started + 1},
                                       kRoot, "/data", fd.get());
  REQUIRE_FALSE(other_start);
  CHECK(other_start.error().kind == ErrorKind::ContainerNotRunning);
  CHECK(contains(other_start.error().message, "its start time differs"));
  auto other_cgroup = c.nstar.stream_in(
      proc::Claim{.pid = c.init_pid, .start_time = *started, .cgroup = "/dmc/someone-else"}, kRoot,
      "/data", fd.get());
  REQUIRE_FALSE(other_cgroup);
  CHECK(contains(other_cgroup.error().message, "it is in another cgroup"));
}
