#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "depot/depot.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using dmc::depot::ContainerState;
using dmc::depot::Depot;
using dmc::depot::Properties;
using dmc::depot::Status;
using dmc::test::TempDir;
namespace fs = std::filesystem;

namespace {

// A depot with one container, "web-1", made but not finished.
struct Fixture {
  TempDir tmp;
  Depot depot{tmp / "depot"};
  Fixture() {
    REQUIRE(depot.init());
    REQUIRE(depot.create("web-1", {"{}", "{}", {{"a", "b"}}}));
  }
  [[nodiscard]] std::string file(const char* name) const { return depot.path("web-1", name); }
};

size_t entries_in(const std::string& dir) {
  return static_cast<size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("to_string names every status") {
  CHECK(depot::to_string(Status::Creating) == "creating");
  CHECK(depot::to_string(Status::Created) == "created");
  CHECK(depot::to_string(Status::Running) == "running");
  CHECK(depot::to_string(Status::Stopped) == "stopped");
  CHECK(depot::to_string(Status::Paused) == "paused");
}

TEST_CASE("state round trips through state.json in its documented shape") {
  Fixture f;
  const ContainerState state{.status = Status::Running,
                             .created_at_ns = 1700000000123456789,
                             .init_pid = 4242,
                             .init_start_time = 987654321,
                             .runtime = "/usr/sbin/runc",
                             .runtime_root = "/run/dmc/runc"};
  REQUIRE(f.depot.write_state("web-1", state));
  CHECK(test::read_text(f.file("state.json")) ==
        R"({"status":"running","created_at":1700000000123456789,"init_pid":4242,)"
        R"("init_start_time":987654321,"runtime":"/usr/sbin/runc","runtime_root":"/run/dmc/runc"})");
  for (Status status : {Status::Creating, Status::Created, Status::Running, Status::Stopped,
                        Status::Paused}) {
    ContainerState changed = state;
    changed.status = status;
    REQUIRE(f.depot.write_state("web-1", changed));
    auto read = f.depot.read_state("web-1");
    REQUIRE(read);
    CHECK(read->status == status);
    CHECK(read->created_at_ns == state.created_at_ns);
    CHECK(read->init_pid == 4242);
    CHECK(read->init_start_time == 987654321);
    CHECK(read->runtime == "/usr/sbin/runc");
    CHECK(read->runtime_root == "/run/dmc/runc");
  }
  CHECK(entries_in(f.depot.dir("web-1")) == 8);  // no temporary file left
}

TEST_CASE("a state.json written before runtime_root was kept reads with it empty") {
  Fixture f;
  REQUIRE(f.depot.write_state("web-1", {}));
  REQUIRE(atomic_write_file(f.file("state.json"),
                            R"({"status":"running","created_at":1,"init_pid":2,"runtime":"r"})"));
  auto read = f.depot.read_state("web-1");
  REQUIRE(read);
  CHECK(read->runtime == "r");
  CHECK(read->runtime_root.empty());
  CHECK(read->init_start_time == 0);  // not recorded: the pid is proven by its cgroup alone
}

TEST_CASE("read_state without state.json is NotFound") {
  Fixture f;
  REQUIRE(::unlink(f.file("state.json").c_str()) == 0);  // as an older dmc's killed create left it
  auto missing = f.depot.read_state("web-1");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  auto unknown = f.depot.read_state("ghost");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().kind == ErrorKind::ContainerNotFound);
  CHECK(unknown.error().message == "unknown handle: ghost");
}

TEST_CASE("a damaged state.json is an Internal error naming the file") {
  Fixture f;
  const std::string rest = R"("created_at":1,"init_pid":2,"runtime":"runc")";
  for (const std::string& text : {
           std::string("not json"),
           std::string(""),
           std::string("[]"),
           std::string(R"({"status":"running"})"),
           R"({"status":1,)" + rest + "}",
           R"({"status":"dancing",)" + rest + "}",
           std::string(R"({"status":"running","created_at":"yesterday","init_pid":2,"runtime":"r"})"),
           std::string(R"({"status":"running","created_at":1.5,"init_pid":2,"runtime":"r"})"),
           std::string(R"({"status":"running","created_at":1,"init_pid":-1,"runtime":"r"})"),
           std::string(R"({"status":"running","created_at":1,"init_pid":1e20,"runtime":"r"})"),
           std::string(R"({"status":"running","created_at":1,"init_pid":99999999999,"runtime":"r"})"),
           std::string(R"({"status":"running","created_at":1,"init_pid":2,"runtime":5})"),
           std::string(R"({"status":"running","created_at":1,"init_pid":2})"),
       }) {
    CAPTURE(text);
    test::write_text(f.file("state.json"), text);
    auto state = f.depot.read_state("web-1");
    REQUIRE_FALSE(state);
    CHECK(state.error().kind == ErrorKind::Internal);
    CHECK(state.error().message.starts_with(f.file("state.json") + ": "));
    CHECK(state.error().message.find('\n') == std::string::npos);
  }
}

TEST_CASE("write_state of an unknown container is NotFound and makes nothing") {
  Fixture f;
  auto written = f.depot.write_state("ghost", {});
  REQUIRE_FALSE(written);
  CHECK(written.error().kind == ErrorKind::ContainerNotFound);
  CHECK(written.error().message == "unknown handle: ghost");
  CHECK_FALSE(f.depot.exists("ghost"));
}

TEST_CASE("properties round trip and are replaced whole") {
  Fixture f;
  auto initial = f.depot.read_properties("web-1");
  REQUIRE(initial);
  CHECK(*initial == Properties{{"a", "b"}});
  const Properties props{
      {"quote\"d", "line\nbreak"}, {"\xc3\xa9t\xc3\xa9", "\\"}, {"empty-value", ""}};
  REQUIRE(f.depot.write_properties("web-1", props));
  auto read = f.depot.read_properties("web-1");
  REQUIRE(read);
  CHECK(*read == props);
  REQUIRE(f.depot.write_properties("web-1", {}));
  CHECK(f.depot.read_properties("web-1")->empty());
  CHECK(test::read_text(f.file("properties.json")) == "{}");
  CHECK(entries_in(f.depot.dir("web-1")) == 8);  // no temporary file left
}

TEST_CASE("missing properties.json is no properties and a missing container is NotFound") {
  Fixture f;
  REQUIRE(::unlink(f.file("properties.json").c_str()) == 0);
  auto read = f.depot.read_properties("web-1");
  REQUIRE(read);
  CHECK(read->empty());
  auto unknown = f.depot.read_properties("ghost");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().message == "unknown handle: ghost");
  auto written = f.depot.write_properties("ghost", {{"a", "b"}});
  REQUIRE_FALSE(written);
  CHECK(written.error().kind == ErrorKind::ContainerNotFound);
}

TEST_CASE("a damaged properties.json is an Internal error naming the file") {
  Fixture f;
  for (const char* text : {"{", "[]", "\"str\"", R"({"a":"b","n":1})", R"({"o":{}})"}) {
    CAPTURE(text);
    test::write_text(f.file("properties.json"), text);
    auto props = f.depot.read_properties("web-1");
    REQUIRE_FALSE(props);
    CHECK(props.error().kind == ErrorKind::Internal);
    CHECK(props.error().message.starts_with(f.file("properties.json") + ": "));
  }
  test::write_text(f.file("properties.json"), R"({"n":1})");
  CHECK(f.depot.read_properties("web-1").error().message ==
        f.file("properties.json") + ": property \"n\" must be a string");
}
