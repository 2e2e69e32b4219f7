// The journal under faults: dmc killed at any moment of create, run or
// destroy leaves no torn line and no event twice; a full disk leaves no
// torn line either.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <map>
#include <sstream>

#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.emplace_back(e->d_name);
  }
  ::closedir(d);
  return out;
}

// Every journal file of the depot, live and archived.
std::vector<std::string> journal_files(DmcEnv& env) {
  std::vector<std::string> files;
  for (const auto& name : names_in(env.depot() + "/.events")) {
    files.push_back(env.depot() + "/.events/" + name);
  }
  for (const auto& h : names_in(env.depot())) {
    for (const auto* file : {"/events.log", "/events.1.log"}) {
      if (path_exists(env.depot() + "/" + h + file)) files.push_back(env.depot() + "/" + h + file);
    }
  }
  return files;
}

bool write_file_at_end(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
  return fd && ::write(fd.get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

// Each journal file is whole lines of events, each ending in '\n'.
void check_no_torn_line(DmcEnv& env) {
  for (const auto& file : journal_files(env)) {
    auto text = read_file(file).value_or("");
    INFO(file << ":\n" << text);
    CHECK((text.empty() || text.back() == '\n'));
    for (const auto& line : lines_of(text)) {
      CHECK(line.starts_with("{\"time\":"));
      CHECK(line.ends_with("}"));
    }
  }
}

// How often each event (without its time) is in `dmc events --json h`.
std::map<std::string, int> counted_events(DmcEnv& env, const std::string& h) {
  std::map<std::string, int> counts;
  auto r = env.dmc({"events", "--json", h});
  for (const auto& line : lines_of(r.out)) ++counts[line.substr(line.find(',') + 1)];
  return counts;
}

void check_each_once(DmcEnv& env, const std::string& h) {
  for (const auto& [event, n] : counted_events(env, h)) {
    INFO(event);
    CHECK(n == 1);
  }
}

int count_of(DmcEnv& env, const std::string& h, const std::string& type) {
  int n = 0;
  for (const auto& [event, count] : counted_events(env, h)) {
    if (event.find("\"type\":\"" + type + "\"") != std::string::npos) n += count;
  }
  return n;
}

}  // namespace

TEST_CASE("faults: dmc killed at any moment of create leaves create and destroy once or never") {
  DmcEnv env;
  Ms span = time_of([&] { env.create(); });
  for (Ms delay : spread(span + span / 4, 6)) {
    auto h = env.handle();
    INFO("create killed after " << delay.count() << " ms of " << span.count());
    kill_after(env.dmc_argv({"create", "--handle", h}), delay);
    env.dmc({"destroy", h});
    check_no_torn_line(env);
    check_each_once(env, h);
    CHECK(count_of(env, h, "create") == count_of(env, h, "destroy"));
  }
}

TEST_CASE("faults: dmc killed at any moment of run or destroy doubles no event") {
  DmcEnv env;
  auto timed = env.create();
  Ms span = time_of([&] { env.dmc({"run", timed, "--", "true"}); });
  for (Ms delay : spread(span + span / 4, 6)) {
    auto h = env.create();
    INFO("run killed after " << delay.count() << " ms of " << span.count());
    kill_after(env.dmc_argv({"run", h, "--id", "p", "--", "/bin/sh", "-c", "exit 3"}), delay);
    auto destroy_span = time_of([&] { env.dmc({"run", h, "--detach", "--", "sleep", "100"}); });
    kill_after(env.dmc_argv({"destroy", h}), delay * 2 + destroy_span);
    env.dmc({"destroy", h});
    check_no_torn_line(env);
    check_each_once(env, h);
    CHECK(count_of(env, h, "create") == 1);
    CHECK(count_of(env, h, "destroy") == 1);
    CHECK(count_of(env, h, "start-process") >= count_of(env, h, "exit"));
  }
}

// A depot on a small tmpfs of its own, unmounted however the test ends.
struct TmpfsDepot {
  explicit TmpfsDepot(DmcEnv& env) : env(env) {
    REQUIRE(make_dirs(env.depot()));
    REQUIRE(::mount("tmpfs", env.depot().c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
                    "size=4m,mode=0700") == 0);
  }
  ~TmpfsDepot() {
    for (const auto& h : lines_of(env.dmc({"list"}).out)) env.dmc({"destroy", h.substr(0, h.find('\t'))});
    if (::umount2(env.depot().c_str(), 0) != 0) ::umount2(env.depot().c_str(), MNT_DETACH);
  }
  DmcEnv& env;
};

TEST_CASE("faults: an append on a full disk leaves no torn line, and is made once there is room") {
  DmcEnv env;
  TmpfsDepot tmpfs(env);
  auto h = env.create();
  // The journal one short line away from a page boundary, so that the next
  // line needs a new page of the tmpfs; then no page is left.
  const auto journal = env.depot() + "/" + h + "/events.log";
  auto text = read_file(journal).value();
  const std::string head = "{\"time\":1,\"handle\":\"" + h + "\",\"type\":\"update\",\"note\":\"";
  const size_t pad = 4096 - 10 - text.size() - head.size() - 3;
  REQUIRE(write_file_at_end(journal, head + std::string(pad, 'x') + "\"}\n"));
  REQUIRE(read_file(journal).value().size() == 4096 - 10);
  const auto filler = env.depot() + "/filler";
  run({"/bin/sh", "-c", "cat /dev/zero > " + filler + " 2>/dev/null"});
  REQUIRE(::kill(env.init_pid(h), SIGKILL) == 0);
  REQUIRE(eventually([&] { return env.dmc({"list"}).out.find("dead") != std::string::npos; }));

  auto full = env.dmc({"events", "--json", h});  // its reconcile cannot append the init's exit
  CHECK(full.code == 0);
  CHECK(full.out.find("\"process\":\"init\"") == std::string::npos);
  CHECK(read_file(journal).value().size() == 4096 - 10);
  check_no_torn_line(env);

  REQUIRE(::unlink(filler.c_str()) == 0);
  auto lines = lines_of(env.dmc({"events", "--json", h}).out);
  REQUIRE(lines.size() == 3);
  CHECK(lines.back().ends_with("\"type\":\"exit\",\"process\":\"init\"}"));
  check_no_torn_line(env);
}
