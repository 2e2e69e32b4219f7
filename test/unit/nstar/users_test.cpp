#include <sys/stat.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include "nstar_fixture.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

TarEntry owned_file(std::string name, std::string data, uint32_t uid, uint32_t gid) {
  TarEntry e = tar_file(std::move(name), std::move(data), 0640);
  e.uid = uid;
  e.gid = gid;
  return e;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("what nobody streams in belongs to nobody, directories made on the way too") {
  ContainerFixture c;
  auto in = c.stream_in(kNobody, "/tmp/nb/deeper",
                        make_tar({tar_dir("d"), owned_file("d/f", "mine", 1234, 4321)}));
  REQUIRE_MESSAGE(in, in.error().message);
  for (auto path : {"/tmp/nb", "/tmp/nb/deeper", "/tmp/nb/deeper/d", "/tmp/nb/deeper/d/f"}) {
    auto info = info_of(c.host_path(path));
    CHECK_MESSAGE(info.uid == 65534, path);
    CHECK_MESSAGE(info.gid == 65534, path);
  }
  CHECK(info_of(c.host_path("/tmp/nb")).mode == 0755);
  CHECK(info_of(c.host_path("/tmp/nb/deeper/d/f")).mode == 0640);
  CHECK(read_text(c.host_path("/tmp/nb/deeper/d/f")) == "mine");
}

TEST_CASE("the archive's owners are not restored, not even for root") {
  ContainerFixture c;
  REQUIRE(c.stream_in(kRoot, "/data", make_tar({owned_file("f", "x", 1234, 4321)})));
  auto info = info_of(c.host_path("/data/f"));
  CHECK(info.uid == 0);
  CHECK(info.gid == 0);
}

TEST_CASE("the user's additional groups count") {
  ContainerFixture c;
  REQUIRE(::mkdir(c.host_path("/shared").c_str(), 0770) == 0);
  REQUIRE(::chown(c.host_path("/shared").c_str(), 0, 4242) == 0);
  REQUIRE(::chmod(c.host_path("/shared").c_str(), 0770) == 0);
  auto tar = make_tar({tar_file("f", "x")});

  auto without = c.stream_in(kNobody, "/shared", tar);
  REQUIRE_FALSE(without);
  CHECK(contains(without.error().message, "Permission denied"));
  CHECK_FALSE(exists(c.host_path("/shared/f")));

  nstar::StreamUser member{65534, 65534, {4242}, "/"};
  auto with = c.stream_in(member, "/shared", tar);
  REQUIRE_MESSAGE(with, with.error().message);
  CHECK(info_of(c.host_path("/shared/f")).gid == 65534);
}

TEST_CASE("permission errors say Permission denied") {
  ContainerFixture c;
  auto tar = make_tar({tar_file("f", "x")});

  auto mkdir_under_root = c.stream_in(kNobody, "/root/x", tar);
  REQUIRE_FALSE(mkdir_under_root);
  CHECK(mkdir_under_root.error().message ==
        "error streaming in: open /root/x: Permission denied");
  CHECK_FALSE(exists(c.host_path("/root/x")));

  auto into_etc = c.stream_in(kNobody, "/etc", tar);
  REQUIRE_FALSE(into_etc);
  CHECK(into_etc.error().message ==
        "error streaming in: extract f: Can't create 'f': Permission denied");
  CHECK_FALSE(exists(c.host_path("/etc/f")));

  auto out_of_root = c.stream_out(kNobody, "/root/");
  REQUIRE_FALSE(out_of_root.result);
  CHECK(out_of_root.result.error().message ==
        "error streaming out: stat /root/: Permission denied");
  CHECK(out_of_root.bytes.empty());
}
