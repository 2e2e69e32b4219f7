// The shim's promises off the happy path: a full disk, a shim killed with
// output unread or while its process runs, a `dmc run` killed before its
// shim took over, and the pruning of delivered records.
#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <thread>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

std::string record_dir(DmcEnv& env, const std::string& h, const std::string& id) {
  return env.depot() + "/" + h + "/processes/" + id;
}

int first_number(const std::string& path) {
  return std::atoi(read_file(path).value_or("0").c_str());
}

// The shim, killed as a crash would kill it; returns once it is gone.
void kill_shim(const std::string& dir) {
  int shim = first_number(dir + "/shim.pid");
  REQUIRE(shim > 0);
  REQUIRE(::kill(shim, SIGKILL) == 0);
  REQUIRE(eventually([&] { return !process_alive(shim); }));
}

std::string seq(int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += std::to_string(i) + "\n";
  return out;
}

size_t count_lines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

std::string last_line(const std::string& text) {
  if (text.size() < 2) return text;
  auto at = text.rfind('\n', text.size() - 2);
  return text.substr(at == std::string::npos ? 0 : at + 1);
}

// The records a container has, by name (".new-*" leftovers included).
std::vector<std::string> records(DmcEnv& env, const std::string& h) {
  std::vector<std::string> out;
  DIR* d = ::opendir((env.depot() + "/" + h + "/processes").c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  return out;
}

// A DmcEnv whose depot is a 16 MiB tmpfs of its own. It destroys its
// containers and unmounts the tmpfs however the test ends; DmcEnv then finds
// nothing left.
class TmpfsDepot {
 public:
  TmpfsDepot() {
    REQUIRE(make_dirs(env.depot()));
    mounted_ = ::mount("tmpfs", env.depot().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                       "size=16m,mode=0700") == 0;
    REQUIRE_MESSAGE(mounted_, "mount tmpfs: ", std::strerror(errno));
  }
  ~TmpfsDepot() {
    auto listed = env.dmc({"list"});
    std::istringstream in(listed.out);
    for (std::string h; std::getline(in, h);) env.dmc({"destroy", h});
    if (mounted_ && ::umount2(env.depot().c_str(), 0) != 0) {
      MESSAGE("tmpfs depot still busy: detached");
      ::umount2(env.depot().c_str(), MNT_DETACH);
    }
  }
  TmpfsDepot(const TmpfsDepot&) = delete;
  TmpfsDepot& operator=(const TmpfsDepot&) = delete;

  [[nodiscard]] uint64_t free_bytes() const {
    struct statvfs st;
    REQUIRE(::statvfs(env.depot().c_str(), &st) == 0);
    return static_cast<uint64_t>(st.f_bavail) * st.f_frsize;
  }

  DmcEnv env;

 private:
  bool mounted_ = false;
};

}  // namespace

TEST_CASE("a full spool disk holds the process back and every byte is delivered") {
  TmpfsDepot t;
  auto h = t.env.create();
  REQUIRE(t.env.dmc({"run", h, "--detach", "--id", "big", "--", "/bin/sh", "-c",
                     "seq 1 3000000; echo end >&2; exit 5"}).code == 0);
  // 20.9 MB of output, no client: the 16 MiB disk fills up, then the
  // process waits.
  REQUIRE(eventually([&] { return t.free_bytes() < (1u << 20); }));
  // A second more, in which a shim that drops what it cannot spool would
  // read (and lose) the rest; this one holds the process back instead.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK_FALSE(path_exists(record_dir(t.env, h, "big") + "/exit_status"));

  auto r = t.env.dmc({"attach", "--no-stdin", h, "big"});
  CHECK(r.code == 5);
  CHECK(count_lines(r.out) == 3000000);
  CHECK(last_line(r.out) == "3000000\n");
  CHECK(r.out.substr(0, 10) == "1\n2\n3\n4\n5\n");
  CHECK(r.err == "end\n");
  auto ps = t.env.dmc({"ps", h, "--json"});
  CHECK(ps.out.find("\"state\": \"exited\",\n    \"exit_status\": 5") != std::string::npos);
}

TEST_CASE("a shim killed after its process exited: attach delivers the spool, then the status") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "done", "--", "/bin/sh", "-c",
                   "seq 1 20000; echo on stderr >&2; exit 7"}).code == 0);
  const auto dir = record_dir(env, h, "done");
  REQUIRE(eventually([&] { return path_exists(dir + "/exit_status"); }));
  kill_shim(dir);

  auto r = env.dmc({"attach", "--no-stdin", h, "done"});
  CHECK(r.code == 7);
  CHECK(r.out == seq(1, 20000));
  CHECK(r.err == "on stderr\n");
  auto again = env.dmc({"attach", "--no-stdin", h, "done"});  // delivered once
  CHECK(again.code == 7);
  CHECK(again.out == "");
  CHECK(again.err == "");
  CHECK(env.dmc({"ps", h, "--json"}).out.find("\"state\": \"exited\",\n    \"exit_status\": 7") !=
        std::string::npos);
}

TEST_CASE("a shim killed while its process runs: ps says lost and attach fails plainly "
          "but signal still reaches the process and destroy cleans up") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "orphan", "--", "/bin/sh", "-c",
                   "seq 1 1000; echo spooled >&2; exec sleep 1000"}).code == 0);
  const auto dir = record_dir(env, h, "orphan");
  const off_t spooled = static_cast<off_t>(seq(1, 1000).size());
  REQUIRE(eventually([&] {
    struct stat out, err;
    return ::stat((dir + "/stdout.spool").c_str(), &out) == 0 && out.st_size == spooled &&
           ::stat((dir + "/stderr.spool").c_str(), &err) == 0 && err.st_size == 8;
  }));
  const int pid = first_number(dir + "/pid");
  REQUIRE(pid > 0);
  kill_shim(dir);
  CHECK(process_alive(pid));

  auto ps = env.dmc({"ps", h, "--json"});
  CHECK(ps.out.find("\"pid\": " + std::to_string(pid) + ",\n    \"state\": \"lost\",\n    "
                    "\"exit_status\": null") != std::string::npos);
  auto info = env.dmc({"info", h});
  CHECK(info.code == 0);
  CHECK(info.out.find("\"process orphan lost\"") != std::string::npos);

  auto r = env.dmc({"attach", "--no-stdin", h, "orphan"});
  CHECK(r.code == 125);
  CHECK(r.out == seq(1, 1000));
  CHECK(r.err == "spooled\ndmc: process orphan lost: its shim died while it ran; its exit "
                 "status is unknown\n");
  auto again = env.dmc({"attach", "--no-stdin", h, "orphan"});
  CHECK(again.code == 125);
  CHECK(again.out == "");

  auto sent = env.dmc({"signal", h, "orphan", "--signal", "TERM"});
  CHECK(sent.code == 0);
  CHECK(sent.err == "");
  CHECK(eventually([&] { return !process_alive(pid); }));
  auto late = env.dmc({"signal", h, "orphan"});
  CHECK(late.code == 1);
  // Its end was seen by nobody: not running, and no status to report.
  CHECK(late.err == "dmc: process orphan lost: it is not running and its exit status is unknown "
                    "(its shim died or never started)\n");

  CHECK(env.dmc({"destroy", h}).code == 0);
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
}

TEST_CASE("destroy ends a process whose shim is gone") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "orphan", "--", "/bin/sleep", "1000"}).code == 0);
  const auto dir = record_dir(env, h, "orphan");
  const int pid = first_number(dir + "/pid");
  REQUIRE(pid > 0);
  kill_shim(dir);
  REQUIRE(process_alive(pid));
  CHECK(env.dmc({"destroy", h}).code == 0);
  CHECK(eventually([&] { return !process_alive(pid); }));
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK(cgroup_dirs("/dmc/" + h).empty());
}

TEST_CASE("a record that no shim owns is lost, and its id can be used again") {
  DmcEnv env;
  auto h = env.create();
  // What a `dmc run --detach` killed before it started the shim leaves: the
  // record, its lock released, no pid, no status.
  const auto dir = record_dir(env, h, "stuck");
  REQUIRE(make_dirs(dir, 0700));
  write_text(dir + "/spec.json", R"({"id":"stuck","command":["/bin/true"]})");
  write_text(dir + "/shim.lock", "");

  auto ps = env.dmc({"ps", h, "--json"});
  CHECK(ps.out.find("\"pid\": 0,\n    \"state\": \"lost\"") != std::string::npos);
  auto signal = env.dmc({"signal", h, "stuck"});
  CHECK(signal.code == 1);
  CHECK(signal.err == "dmc: process stuck lost: it is not running and its exit status is unknown "
                      "(its shim died or never started)\n");
  auto attach = env.dmc({"attach", "--no-stdin", h, "stuck"});
  CHECK(attach.code == 125);
  CHECK(attach.err == "dmc: process stuck lost: its shim died while it ran; its exit status is unknown\n");

  auto again = env.dmc({"run", h, "--id", "stuck", "--", "/bin/sh", "-c", "echo anew; exit 4"});
  CHECK(again.code == 4);
  CHECK(again.out == "anew\n");
  CHECK(env.dmc({"ps", h, "--json"}).out.find("\"state\": \"exited\",\n    \"exit_status\": 4") !=
        std::string::npos);
  // An exited record keeps its id.
  CHECK(env.dmc({"run", h, "--id", "stuck", "--", "/bin/true"}).code == 125);
}

TEST_CASE("a dmc run --detach killed at any early moment leaves a record that tells the truth") {
  DmcEnv env;
  auto h = env.create();
  for (int delay_us : {0, 300, 1000, 2000, 4000, 8000}) {
    CAPTURE(delay_us);
    const std::string id = "k" + std::to_string(delay_us);
    auto run = spawn_child({.argv = env.dmc_argv({"run", h, "--detach", "--id", id, "--",
                                                  "/bin/sleep", "1000"})});
    REQUIRE(run);
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    ::kill(run->pid(), SIGKILL);
    (void)run->wait();
    // A shim that was started carries on; without one the record is lost.
    const auto dir = record_dir(env, h, id);
    REQUIRE(eventually([&] {
      auto ps = env.dmc({"ps", h, "--json"}).out;
      return ps.find("\"pid\": 0,\n    \"state\": \"running\"") == std::string::npos;
    }));
    if (!path_exists(dir)) continue;  // killed before the record was placed
    auto ps = env.dmc({"ps", h, "--json"}).out;
    const bool lost = ps.find("\"id\": \"" + id + "\",\n    \"pid\": 0,\n    \"state\": \"lost\"") !=
                      std::string::npos;
    auto again = env.dmc({"run", h, "--detach", "--id", id, "--", "/bin/sleep", "1000"});
    CHECK(again.code == (lost ? 0 : 125));
  }
  CHECK(env.dmc({"ps", h}).out.find(".new-") == std::string::npos);  // half-made: not shown
  CHECK(env.dmc({"destroy", h}).code == 0);
}

TEST_CASE("delivered records are pruned beyond 100 and an undelivered one stays") {
  DmcEnv env;
  auto h = env.create();
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "unread", "--", "/bin/echo", "keep me"}).code == 0);
  constexpr int kRuns = 106;
  for (int i = 0; i < kRuns; ++i) {
    auto r = env.dmc({"run", h, "--id", "r" + std::to_string(i), "--", "/bin/true"});
    REQUIRE(r.code == 0);
  }
  // The newest 100 delivered ones, and the one nobody attached to.
  CHECK(eventually([&] { return records(env, h).size() == 101; }));
  auto kept = records(env, h);
  CHECK(std::find(kept.begin(), kept.end(), "unread") != kept.end());
  CHECK(std::find(kept.begin(), kept.end(), "r0") == kept.end());
  CHECK(std::find(kept.begin(), kept.end(), "r5") == kept.end());
  CHECK(std::find(kept.begin(), kept.end(), "r6") != kept.end());
  CHECK(std::find(kept.begin(), kept.end(), "r105") != kept.end());
  auto r = env.dmc({"attach", "--no-stdin", h, "unread"});
  CHECK(r.code == 0);
  CHECK(r.out == "keep me\n");
}
