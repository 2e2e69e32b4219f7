// A long-lived engine (dmcd, a supervisor) runs its runtime from one sealed
// in-memory copy (runrunc/sealed_binary.hpp): containers and processes work
// as ever, the engine holds the one copy, and a shim, which lives as long
// as its process, keeps none.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/fs.hpp"
#include "containerizer/containerizer.hpp"
#include "support/machine.hpp"
#include "wiring/wiring.hpp"

using namespace dmc;
using namespace dmc::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> fd_links(int pid) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator(fmt::format("/proc/{}/fd", pid), ec)) {
    auto target = fs::read_symlink(fd.path(), ec);
    if (!ec) out.push_back(target.string());
  }
  return out;
}

long memfds(const std::vector<std::string>& links) {
  return std::ranges::count_if(links, [](const auto& l) { return l.starts_with("/memfd:"); });
}

}  // namespace

TEST_CASE("sealed runtime: a long-lived engine runs the runtime from one copy and a shim keeps none") {
  DmcEnv env;
  wiring::Settings settings;
  settings.depot = env.depot();
  settings.runtime = env.runtime();
  settings.state_root = env.state_root();
  settings.log_level = "off";
  settings.long_lived = true;
  auto made = wiring::System::make(settings);
  REQUIRE_MESSAGE(made, made.error().message);
  auto& engine = (*made)->containerizer();
  const std::string name = fs::path(env.runtime()).filename().string();
  const std::string copy = "/memfd:" + name + " (deleted)";

  auto h = env.create();
  auto id = engine.run(h, {.id = "sleeper", .path = "/bin/sleep", .args = {"1000"}});
  REQUIRE_MESSAGE(id, id.error().message);
  auto printer = engine.run(h, {.id = "printer", .path = "/bin/sh",
                                .args = {"-c", "echo from the copy; exit 7"}});
  REQUIRE_MESSAGE(printer, printer.error().message);
  auto attached = env.dmc({"attach", h, "printer"});
  CHECK(attached.code == 7);
  CHECK(attached.out == "from the copy\n");

  auto own = fd_links(::getpid());
  CHECK(std::ranges::count(own, copy) == 1);
  CHECK(memfds(own) == 1);

  auto shim_text = read_file(env.depot() + "/" + h + "/processes/sleeper/shim.pid");
  REQUIRE(shim_text);
  const int shim = std::atoi(shim_text->c_str());
  REQUIRE(shim > 0);
  auto links = fd_links(shim);
  CHECK_FALSE(links.empty());
  CHECK_MESSAGE(memfds(links) == 0, fmt::format("{}", fmt::join(links, ", ")));

  REQUIRE(engine.destroy(h));
  CHECK_FALSE(path_exists(env.depot() + "/" + h));
  CHECK_FALSE(path_exists(env.state_root() + "/" + h));
}
