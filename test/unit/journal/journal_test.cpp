// The journal file: appends, torn tails, rotation, archive and replay.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "journal/archive.hpp"
#include "journal/journal.hpp"
#include "journal/reconcile.hpp"
#include "journal/replay.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::journal;
using dmc::test::read_text;
using dmc::test::TempDir;
using dmc::test::write_text;

namespace {

std::vector<std::string> types_of(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.type);
  return out;
}

std::string container(const TempDir& depot, const std::string& handle) {
  REQUIRE(make_dirs(depot / handle));
  return depot / handle;
}

}  // namespace

TEST_CASE("an event is one JSON line: time, handle, type, then its fields") {
  auto line = format_line(42, "web", "exit", {string_field("process", "p1"), int_field("status", 3)});
  CHECK(line == R"({"time":42,"handle":"web","type":"exit","process":"p1","status":3})" "\n");
  auto event = parse_line(line.substr(0, line.size() - 1));
  REQUIRE(event);
  CHECK(event->field("process") == "p1");
  CHECK(event->field("status") == "3");
  CHECK(human_line(*event) == "1970-01-01T00:00:00.000000042Z exit web process=p1 status=3\n");
}

TEST_CASE("only the first append makes the journal: the others need it") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  auto missing = journal.append(types::kStop, {bool_field("kill", false)});
  REQUIRE_FALSE(missing);
  CHECK(missing.error().kind == ErrorKind::NotFound);
  CHECK_FALSE(path_exists(journal.path()));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  REQUIRE(journal.append(types::kStop, {bool_field("kill", true)}));
  auto events = journal.read();
  REQUIRE(events);
  CHECK(types_of(*events) == std::vector<std::string>{"create", "stop"});
  CHECK((*events)[1].line.ends_with(R"("type":"stop","kill":true})"));
}

TEST_CASE("a torn tail is never read, and the next append cuts it off") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  auto whole = read_text(journal.path());
  write_text(journal.path(), whole + R"({"time":5,"handle":"h","type":"st)");
  auto events = journal.read();
  REQUIRE(events);
  CHECK(types_of(*events) == std::vector<std::string>{"create"});
  REQUIRE(journal.append(types::kDestroy));
  auto text = read_text(journal.path());
  CHECK(text.starts_with(whole));
  CHECK(text.find("\"st") == std::string::npos);
  CHECK(types_of(*journal.read()) == std::vector<std::string>{"create", "destroy"});
}

TEST_CASE("past 1 MiB the journal rotates to events.1.log and reads on across both") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  const std::string big(1000, 'x');
  size_t appended = 1;
  while (!path_exists(journal.rotated_path())) {
    REQUIRE(journal.append(types::kUpdate, {string_field("note", big)}));
    ++appended;
  }
  REQUIRE(journal.append(types::kDestroy));
  struct stat st;
  REQUIRE(::stat(journal.path().c_str(), &st) == 0);
  CHECK(st.st_size < 2000);  // only the destroy line is in the new one
  auto events = journal.read();
  REQUIRE(events);
  CHECK(events->size() == appended + 1);
  CHECK(events->front().type == "create");
  CHECK(events->back().type == "destroy");
}

TEST_CASE("a rotation killed between its renames is read once") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  REQUIRE(::link(journal.path().c_str(), journal.rotated_path().c_str()) == 0);
  CHECK(types_of(*journal.read()) == std::vector<std::string>{"create"});
}

TEST_CASE("an archived journal is read by replay, and appends to it are NotFound") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  {
    auto locked = journal.lock();
    REQUIRE(locked);
    REQUIRE(locked->append(types::kDestroy));
    REQUIRE(locked->archive(1234));
  }
  CHECK(path_exists(depot / ".events/1234-h.log"));
  CHECK(journal.append(types::kExit).error().kind == ErrorKind::NotFound);
  CHECK(known(depot.path(), "h"));
  CHECK_FALSE(known(depot.path(), "other"));
  auto events = replay(depot.path(), {});
  REQUIRE(events);
  CHECK(types_of(*events) == std::vector<std::string>{"create", "destroy"});
}

TEST_CASE("replay merges journals in time order and filters by handle and time") {
  TempDir depot;
  write_text(container(depot, "a") + "/events.log",
             "{\"time\":10,\"handle\":\"a\",\"type\":\"create\"}\n"
             "{\"time\":30,\"handle\":\"a\",\"type\":\"stop\",\"kill\":false}\n");
  write_text(container(depot, "b") + "/events.log",
             "{\"time\":20,\"handle\":\"b\",\"type\":\"create\"}\n");
  auto all = replay(depot.path(), {});
  REQUIRE(all);
  CHECK(types_of(*all) == std::vector<std::string>{"create", "create", "stop"});
  CHECK((*all)[1].handle == "b");
  auto only_a = replay(depot.path(), {.handles = {"a"}});
  CHECK(only_a->size() == 2);
  auto window = replay(depot.path(), {.since_ns = 15, .until_ns = 25});
  REQUIRE(window->size() == 1);
  CHECK((*window)[0].handle == "b");
}

TEST_CASE("the archive keeps the newest journals, none older than the age") {
  TempDir dir;
  for (int i = 0; i < 5; ++i) {
    auto path = dir / fmt::format("{}-h{}.log", i, i);
    write_text(path, "");
    timespec times[2] = {{.tv_sec = 1000 + i, .tv_nsec = 0}, {.tv_sec = 1000 + i, .tv_nsec = 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
  }
  write_text(dir / "3-h3.log.1", "");
  const int64_t now = int64_t{1004} * 1'000'000'000;
  REQUIRE(prune_archive(dir.path(), now, 3, std::chrono::seconds(10)));
  CHECK_FALSE(path_exists(dir / "0-h0.log"));
  CHECK_FALSE(path_exists(dir / "1-h1.log"));
  CHECK(path_exists(dir / "2-h2.log"));
  CHECK(path_exists(dir / "3-h3.log.1"));
  REQUIRE(prune_archive(dir.path(), now + 9'000'000'000, 3, std::chrono::seconds(10)));
  CHECK_FALSE(path_exists(dir / "2-h2.log"));  // 11 s old: too old
  CHECK(path_exists(dir / "4-h4.log"));
  REQUIRE(prune_archive(dir.path(), now + 100'000'000'000, 3, std::chrono::seconds(10)));
  CHECK_FALSE(path_exists(dir / "3-h3.log"));
  CHECK_FALSE(path_exists(dir / "3-h3.log.1"));
}

TEST_CASE("reconcile adds a missed oom and exits once, however often it runs") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  Observed observed{.oom_kills = 2, .exited = {{"p1", 137}, {std::string(kInitProcess), {}}}};
  REQUIRE(reconcile(journal, observed));
  REQUIRE(reconcile(journal, observed));
  auto events = journal.read();
  REQUIRE(events);
  CHECK(types_of(*events) == std::vector<std::string>{"create", "oom", "exit", "exit"});
  CHECK((*events)[1].field("count") == "2");
  CHECK((*events)[2].line.ends_with(R"("process":"p1","status":137})"));
  CHECK((*events)[3].line.ends_with(R"("process":"init"})"));
  REQUIRE(reconcile(journal, {.oom_kills = 0}));
  CHECK(journal.read()->size() == 4);
}

TEST_CASE("the oom_kill counter is read from v1 and v2 files") {
  TempDir dir;
  write_text(dir / "v1", "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
  write_text(dir / "v2", "low 0\nhigh 0\nmax 4\noom 2\noom_kill 1\noom_group_kill 0\n");
  CHECK(read_oom_kill_count(dir / "v1").value() == 3);
  CHECK(read_oom_kill_count(dir / "v2").value() == 1);
}

TEST_CASE("a read of some types parses those events only") {
  TempDir depot;
  Journal journal(container(depot, "h"));
  REQUIRE(journal.append(types::kCreate, {}, Create::Yes));
  REQUIRE(journal.append(types::kStartProcess, {string_field("process", "\"type\":\"exit\"")}));
  REQUIRE(journal.append(types::kExit, {string_field("process", "p"), int_field("status", 0)}));
  auto locked = journal.lock();
  REQUIRE(locked);
  auto exits = locked->read({types::kExit});
  REQUIRE(exits);
  CHECK(types_of(*exits) == std::vector<std::string>{"exit"});
  CHECK(locked->read()->size() == 3);
}
