#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "depot/depot.hpp"
#include "support/skip.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::depot::Depot;
using dmc::depot::NewContainer;
using dmc::test::TempDir;
namespace fs = std::filesystem;
using Names = std::vector<std::string>;

namespace {

Names listing(const std::string& dir) {
  Names out;
  for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

NewContainer files(const std::string& tag = "a") {
  return {R"({"spec":")" + tag + R"("})", R"({"ociVersion":")" + tag + R"("})",
          {{"owner", tag}, {"team", "dmc"}}, {.status = depot::Status::Creating}};
}

// A depot in a fresh temporary directory, initialised.
struct Fixture {
  TempDir tmp;
  Depot depot{tmp / "depot"};
  Fixture() { REQUIRE(depot.init()); }
  [[nodiscard]] std::string root() const { return depot.root(); }
  void finish(const std::string& handle) const {
    REQUIRE(depot.create(handle, files(handle)));
    REQUIRE(depot.write_state(handle, {}));
  }
};

}  // namespace

TEST_CASE("init makes the root with mode 0700") {
  TempDir tmp;
  Depot depot(tmp / "var/lib/dmc/");
  REQUIRE(depot.init());
  CHECK(depot.root() == tmp / "var/lib/dmc");
  struct stat st;
  REQUIRE(::stat(depot.root().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  CHECK(depot.init());
}

TEST_CASE("create makes exactly the container's files and dirs, locked, with its first state") {
  Fixture f;
  auto lock = f.depot.create("web-1", files("x"));
  REQUIRE(lock);
  CHECK(lock->held());
  CHECK(listing(f.root()) == Names{"web-1"});
  const auto dir = f.depot.dir("web-1");
  CHECK(dir == f.root() + "/web-1");
  CHECK(listing(dir) == Names{"config.json", "processes", "properties.json", "rootfs",
                              "spec.json", "state.json", "upper", "work"});
  CHECK(test::read_text(f.depot.path("web-1", "spec.json")) == R"({"spec":"x"})");
  CHECK(test::read_text(f.depot.path("web-1", "config.json")) == R"({"ociVersion":"x"})");
  CHECK(test::read_text(f.depot.path("web-1", "properties.json")) ==
        R"({"owner":"x","team":"dmc"})");
  for (const char* sub : {"rootfs", "upper", "work", "processes"}) {
    CAPTURE(sub);
    CHECK(fs::is_directory(f.depot.path("web-1", sub)));
    CHECK(listing(f.depot.path("web-1", sub)).empty());
  }
  CHECK(f.depot.exists("web-1"));
  CHECK(*f.depot.handles() == Names{"web-1"});  // listed from the start
  CHECK(f.depot.unfinished("web-1"));
}

TEST_CASE("create of a taken handle is AlreadyExists and leaves the first untouched") {
  Fixture f;
  f.finish("web-1");
  auto again = f.depot.create("web-1", files("other"));
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::AlreadyExists);
  CHECK(again.error().message == "handle 'web-1' already in use");
  CHECK(test::read_text(f.depot.path("web-1", "spec.json")) == R"({"spec":"web-1"})");
  CHECK(f.depot.read_state("web-1"));
  CHECK(listing(f.root()) == Names{"web-1"});
}

TEST_CASE("create does not replace an empty directory that has the name") {
  Fixture f;
  REQUIRE(::mkdir((f.root() + "/web-1").c_str(), 0755) == 0);
  auto created = f.depot.create("web-1", files());
  REQUIRE_FALSE(created);
  CHECK(created.error().kind == ErrorKind::AlreadyExists);
  CHECK(created.error().message == "handle 'web-1' already in use");
  CHECK(listing(f.root()) == Names{"web-1"});
  CHECK(listing(f.root() + "/web-1").empty());
}

TEST_CASE("create failing half way leaves nothing") {
  Fixture f;
  NewContainer big = files();
  big.config_json = std::string(64 * 1024, ' ') + "{}";  // written after spec.json
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {  // files beyond 4 KiB fail with EFBIG in this child only
    struct rlimit limit{4096, 4096};
    ::signal(SIGXFSZ, SIG_IGN);
    if (::setrlimit(RLIMIT_FSIZE, &limit) < 0) ::_exit(10);
    auto created = f.depot.create("big", big);
    ::_exit(created ? 0 : created.error().kind == ErrorKind::Internal ? 2 : 3);
  }
  auto exit = Child(pid).wait();
  REQUIRE(exit);
  CHECK_FALSE(exit->signaled);
  CHECK(exit->code == 2);
  CHECK(listing(f.root()).empty());
}

TEST_CASE("create in a missing root fails and makes nothing") {
  TempDir tmp;
  Depot depot(tmp / "missing");
  CHECK_FALSE(depot.create("web-1", files()));
  CHECK(listing(tmp.path()).empty());
}

TEST_CASE("handles lists every container, finished or not, sorted, skipping temporaries") {
  Fixture f;
  for (const char* handle : {"zeta", "alpha", "mid"}) f.finish(handle);
  { REQUIRE(f.depot.create("unfinished", files())); }
  REQUIRE(make_dirs(f.root() + "/.tmp-web-abcdef"));
  test::write_text(f.root() + "/.tmp-web-abcdef/state.json", "{}");
  REQUIRE(make_dirs(f.root() + "/.hidden"));
  test::write_text(f.root() + "/.hidden/state.json", "{}");
  test::write_text(f.root() + "/stray-file", "x");
  auto handles = f.depot.handles();
  REQUIRE(handles);
  CHECK(*handles == Names{"alpha", "mid", "unfinished", "zeta"});
}

TEST_CASE("a create's temporary that nobody holds is a stray, removed by its handle") {
  Fixture f;
  REQUIRE(make_dirs(f.root() + "/.tmp-web-1-abcdef/rootfs"));
  REQUIRE(make_dirs(f.root() + "/.tmp-web-1-123456"));
  REQUIRE(make_dirs(f.root() + "/.tmp-live-abcdef"));
  UniqueFd live(::open((f.root() + "/.tmp-live-abcdef").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(::flock(live.get(), LOCK_EX) == 0);
  auto strays = f.depot.stray_temporaries();
  REQUIRE(strays);
  CHECK(*strays == Names{"web-1"});
  auto removed = f.depot.remove_temporaries("web-1");
  REQUIRE(removed);
  CHECK(*removed == 2);
  CHECK(*f.depot.remove_temporaries("live") == 0);
  CHECK(listing(f.root()) == Names{".tmp-live-abcdef"});
  CHECK_FALSE(f.depot.remove_temporaries("../x"));
}

TEST_CASE("the state given to create is on disk when the handle appears") {
  Fixture f;
  auto lock = f.depot.create("web-1", files());
  REQUIRE(lock);
  auto state = f.depot.read_state("web-1");
  REQUIRE(state);
  CHECK(state->status == depot::Status::Creating);
  CHECK(f.depot.unfinished("web-1"));
  REQUIRE(f.depot.write_state("web-1", {.status = depot::Status::Running}));
  CHECK_FALSE(f.depot.unfinished("web-1"));
}

TEST_CASE("handles of a depot not yet made is empty") {
  TempDir tmp;
  auto handles = Depot(tmp / "missing").handles();
  REQUIRE(handles);
  CHECK(handles->empty());
}

TEST_CASE("leftovers are stale temporaries and unfinished containers nobody holds") {
  Fixture f;
  f.finish("done");
  REQUIRE(make_dirs(f.root() + "/.tmp-old-123456/rootfs"));
  REQUIRE(make_dirs(f.root() + "/crashed/rootfs"));
  REQUIRE(make_dirs(f.root() + "/.tmp-live-abcdef"));
  UniqueFd live(::open((f.root() + "/.tmp-live-abcdef").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  REQUIRE(::flock(live.get(), LOCK_EX) == 0);
  auto building = f.depot.create("building", files());
  REQUIRE(building);

  auto leftovers = f.depot.leftovers();
  REQUIRE(leftovers);
  CHECK(*leftovers == Names{".tmp-old-123456", "crashed"});

  *building = depot::ContainerLock();
  live.reset();
  leftovers = f.depot.leftovers();
  REQUIRE(leftovers);
  CHECK(*leftovers == Names{".tmp-live-abcdef", ".tmp-old-123456", "building", "crashed"});
}

TEST_CASE("remove removes a container and then is a no-op") {
  Fixture f;
  f.finish("web-1");
  f.finish("web-2");
  test::write_text(f.depot.path("web-1", "rootfs/file"), "x");
  CHECK(f.depot.remove("web-1"));
  CHECK(listing(f.root()) == Names{"web-2"});
  CHECK(f.depot.remove("web-1"));
  CHECK(f.depot.remove("never-was"));
  auto invalid = f.depot.remove("..");
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().kind == ErrorKind::Invalid);
  CHECK(listing(f.root()) == Names{"web-2"});
}

TEST_CASE("remove refuses to empty a mount still inside the container") {
  DMC_SKIP_UNLESS_ROOT();  // to mount a tmpfs
  Fixture f;
  f.finish("web-1");
  const auto rootfs = f.depot.path("web-1", "rootfs");
  REQUIRE(::mount("tmpfs", rootfs.c_str(), "tmpfs", 0, nullptr) == 0);
  test::write_text(rootfs + "/inside", "x");
  CHECK_FALSE(f.depot.remove("web-1"));
  CHECK(path_exists(rootfs + "/inside"));
  REQUIRE(::umount2(rootfs.c_str(), MNT_DETACH) == 0);
  CHECK(f.depot.remove("web-1"));
  CHECK_FALSE(f.depot.exists("web-1"));
}
