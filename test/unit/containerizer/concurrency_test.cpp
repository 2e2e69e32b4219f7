// One containerizer, several threads at once (a server's workers), and
// requests that wait for a container another command holds.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "fakes.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace std::chrono_literals;

TEST_CASE("8 threads creating and destroying containers at once all succeed") {
  Engine e;
  constexpr int kThreads = 8, kRounds = 4;
  std::mutex failures_mutex;
  std::vector<std::string> failures;  // doctest's checks are not for threads
  auto record = [&](const Error& error) {
    std::lock_guard hold(failures_mutex);
    failures.push_back(error.message);
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round) {
        std::string handle = fmt::format("t{}-{}", t, round);
        auto made = e.containerizer->create({.handle = handle, .properties = {{"t", handle}}});
        if (!made) { record(made.error()); continue; }
        if (auto info = e.containerizer->info(handle); !info) record(info.error());
        if (auto list = e.containerizer->handles({{"t", handle}}); !list || list->size() != 1) {
          record(list ? Error{ErrorKind::Internal, "list did not find " + handle} : list.error());
        }
        if (auto gone = e.containerizer->destroy(handle); !gone) record(gone.error());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failures.empty());
  for (const auto& failure : failures) MESSAGE(failure);
  CHECK(e.runtimes.runtime.runs() == kThreads * kRounds);
  CHECK(e.in_depot().empty());
  CHECK(e.depot.stray_temporaries().value_or(std::vector<std::string>{"?"}).empty());
  CHECK(e.runtimes.runtime.live() == 0);
}

TEST_CASE("max containers holds when creates race") {
  Engine e({.max_containers = 3});
  constexpr int kThreads = 8;
  std::atomic<int> made = 0, refused = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto handle = e.containerizer->create({.handle = fmt::format("c{}", t)});
      if (handle) ++made;
      else if (handle.error().kind == ErrorKind::Unavailable) ++refused;
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(made == 3);
  CHECK(refused == kThreads - 3);
  CHECK(e.in_depot().size() == 3);
}

TEST_CASE("a request on a container another command holds fails busy after the wait") {
  Engine e({.lock_wait = 50ms});
  REQUIRE(e.containerizer->create({.handle = "web-1"}));
  {
    // Another command (another open file, as another process has) holds it.
    auto held = depot::Depot(e.depot.root()).lock("web-1");
    REQUIRE(held);
    auto set = e.containerizer->set_property("web-1", "k", "v");
    REQUIRE_FALSE(set);
    CHECK(set.error().kind == ErrorKind::Unavailable);
    CHECK(set.error().message == "container 'web-1' is busy");
    auto destroyed = e.containerizer->destroy("web-1");
    REQUIRE_FALSE(destroyed);
    CHECK(destroyed.error().kind == ErrorKind::Unavailable);
    auto limited = e.containerizer->update_limits("web-1", {.pids_max = 5});
    REQUIRE_FALSE(limited);
    CHECK(limited.error().kind == ErrorKind::Unavailable);
  }
  CHECK(e.in_depot() == std::vector<std::string>{"web-1"});
  CHECK(e.containerizer->properties("web-1").value_or(containerizer::Properties{{"?", "?"}}).empty());
  // Released: the same requests go through.
  CHECK(e.containerizer->set_property("web-1", "k", "v"));
  CHECK(e.containerizer->destroy("web-1"));
  CHECK(e.in_depot().empty());
}

TEST_CASE("a request waits for a container that is released within the wait") {
  Engine e({.lock_wait = 60s});
  REQUIRE(e.containerizer->create({.handle = "web-1"}));
  auto held = std::make_unique<depot::ContainerLock>(
      depot::Depot(e.depot.root()).lock("web-1").value());
  std::atomic<bool> done = false;
  Result<void> set;
  std::thread waiter([&] {
    set = e.containerizer->set_property("web-1", "k", "v");
    done = true;
  });
  std::this_thread::sleep_for(20ms);  // not a limit: the waiter waits in any case
  CHECK_FALSE(done);
  held.reset();
  waiter.join();
  CHECK(set);
  CHECK(e.containerizer->property("web-1", "k").value_or("") == "v");
}
