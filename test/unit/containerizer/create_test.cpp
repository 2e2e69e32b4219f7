// Create and destroy through the containerizer, on fake parts and a real
// depot: what is left in the depot and in the runtime after each.
#include <doctest/doctest.h>

#include <unistd.h>

#include "common/fs.hpp"
#include "fakes.hpp"

using namespace dmc;
using namespace dmc::test;
using containerizer::CreateRequest;

TEST_CASE("create makes a running container in the depot and the runtime") {
  Engine e;
  auto handle = e.containerizer->create({.handle = "web-1", .properties = {{"owner", "me"}}});
  REQUIRE_MESSAGE(handle, handle.error().message);
  CHECK(*handle == "web-1");
  CHECK(e.in_depot() == std::vector<std::string>{"web-1"});
  CHECK(e.runtimes.runtime.live() == 1);
  CHECK(e.mounter.mounted == 1);
  auto state = e.depot.read_state("web-1");
  REQUIRE(state);
  CHECK(state->status == depot::Status::Running);
  CHECK(state->init_pid == ::getpid());
  CHECK(e.containerizer->property("web-1", "owner").value_or("") == "me");

  REQUIRE(e.containerizer->destroy("web-1"));
  CHECK(e.in_depot().empty());
  CHECK(e.runtimes.runtime.live() == 0);
  CHECK(e.mounter.unmounted >= 1);
}

TEST_CASE("create without a handle gives the container a new UUID") {
  Engine e;
  auto handle = e.containerizer->create({});
  REQUIRE(handle);
  CHECK(handle->size() == 36);
  CHECK(e.in_depot() == std::vector<std::string>{*handle});
}

TEST_CASE("a runtime that fails the create leaves nothing behind") {
  Engine e;
  e.runtimes.runtime.fail_run = true;
  auto handle = e.containerizer->create({.handle = "web-1"});
  REQUIRE_FALSE(handle);
  CHECK(handle.error().message == "fake run: exit status 1: refused");
  CHECK(e.in_depot().empty());
  CHECK(e.depot.stray_temporaries().value_or(std::vector<std::string>{"?"}).empty());
  CHECK(e.runtimes.runtime.live() == 0);
  CHECK(e.mounter.unmounted == e.mounter.mounted);
}

TEST_CASE("a handle in use is refused as taken, and the container keeps running") {
  Engine e;
  REQUIRE(e.containerizer->create({.handle = "web-1", .properties = {{"n", "1"}}}));
  auto again = e.containerizer->create({.handle = "web-1", .properties = {{"n", "2"}}});
  REQUIRE_FALSE(again);
  CHECK(again.error().kind == ErrorKind::AlreadyExists);
  CHECK(e.in_depot() == std::vector<std::string>{"web-1"});
  CHECK(e.runtimes.runtime.runs() == 1);
  CHECK(e.containerizer->property("web-1", "n").value_or("") == "1");
}

TEST_CASE("max containers: a create past the limit fails and makes nothing") {
  Engine e({.max_containers = 2});
  REQUIRE(e.containerizer->create({.handle = "a"}));
  REQUIRE(e.containerizer->create({.handle = "b"}));
  auto third = e.containerizer->create({.handle = "c"});
  REQUIRE_FALSE(third);
  CHECK(third.error().kind == ErrorKind::Unavailable);
  CHECK(third.error().message == "max containers reached");
  CHECK(e.in_depot() == std::vector<std::string>{"a", "b"});
  CHECK(e.runtimes.runtime.runs() == 2);
  // A destroyed one makes room again.
  REQUIRE(e.containerizer->destroy("a"));
  CHECK(e.containerizer->create({.handle = "c"}));
  CHECK(e.in_depot() == std::vector<std::string>{"b", "c"});
}

TEST_CASE("no limit on containers by default") {
  Engine e;
  for (const char* h : {"a", "b", "c", "d"}) REQUIRE(e.containerizer->create({.handle = h}));
  CHECK(e.in_depot().size() == 4);
}

TEST_CASE("create first tidies what crashed creates left") {
  Engine e;
  // A create killed before its rename (a temporary), and one killed after
  // it, before its init ran (a container still "creating", lock free).
  REQUIRE(e.depot.init());
  std::string temporary = e.depot.root() + "/.tmp-gone-XXXXXX";
  REQUIRE(::mkdtemp(temporary.data()) != nullptr);
  depot::NewContainer half;
  half.state = {.status = depot::Status::Creating, .runtime = "fake-runtime"};
  REQUIRE(e.depot.create("half", half));
  CHECK(e.in_depot() == std::vector<std::string>{"half"});

  REQUIRE(e.containerizer->create({.handle = "web-1"}));
  CHECK(e.in_depot() == std::vector<std::string>{"web-1"});
  CHECK_FALSE(path_exists(temporary));
}
