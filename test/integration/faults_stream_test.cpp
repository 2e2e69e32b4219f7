// Promises under faults: `dmc stream-in` killed while a tar stream flows in.
// The container still works, the next stream-in succeeds, and destroy
// leaves nothing.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <random>
#include <thread>

#include <doctest/doctest.h>

#include "support/faults.hpp"
#include "support/faults_checks.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;
using namespace dmc::test::faults;

namespace {

constexpr size_t kChunk = 64 * 1024;

// A tar stream of one file of `size` pseudo-random bytes named "blob".
std::pair<std::string, std::string> tar_of_blob(const TempDir& dir, size_t size) {
  std::mt19937_64 random(42);
  std::string blob(size, '\0');
  for (char& c : blob) c = static_cast<char>(random());
  write_text(dir / "blob", blob);
  auto tar = run({"tar", "-C", dir.path(), "-cf", "-", "blob"});
  REQUIRE(tar.code == 0);
  return {blob, tar.out};
}

// Writes data into a pipe in 64 KiB chunks, one every 2 ms, from a thread of
// its own, and closes it at the end, or as soon as it is stopped.
class PacedFeed {
 public:
  explicit PacedFeed(std::string data) : data_(std::move(data)) {
    auto p = make_pipe();
    read_ = std::move(p[0]);
    thread_ = std::thread([this, write = std::move(p[1])]() mutable { feed(std::move(write)); });
  }
  ~PacedFeed() { stop(); }

  [[nodiscard]] int read_fd() const { return read_.get(); }
  void stop() {
    stopped_ = true;
    if (thread_.joinable()) thread_.join();
    read_.reset();
  }

 private:
  void feed(UniqueFd write) {
    sigset_t pipe_signal;
    sigemptyset(&pipe_signal);
    sigaddset(&pipe_signal, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_signal, nullptr);  // EPIPE instead
    ::fcntl(write.get(), F_SETFL, O_NONBLOCK);
    for (size_t at = 0; at < data_.size() && !stopped_; at += kChunk) {
      size_t n = std::min(kChunk, data_.size() - at);
      if (!write_all(write.get(), data_.data() + at, n)) return;
      std::this_thread::sleep_for(Ms(2));
    }
  }
  // Non-blocking, so that a stop is never stuck behind a full pipe.
  bool write_all(int fd, const char* p, size_t n) const {
    while (n > 0) {
      ssize_t w = ::write(fd, p, n);
      if (w < 0 && (errno == EINTR || errno == EAGAIN) && !stopped_) {
        std::this_thread::sleep_for(Ms(1));
        continue;
      }
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
    }
    return true;
  }

  std::string data_;
  UniqueFd read_;
  std::atomic<bool> stopped_ = false;
  std::thread thread_;
};

// A whole paced stream-in, timed.
Ms time_of_paced_stream_in(DmcEnv& env, const std::string& h, const std::string& tar) {
  return time_of([&] {
    PacedFeed feed(tar);
    auto child = spawn_child({.argv = env.dmc_argv({"stream-in", h, "--dest", "/timed"}),
                              .stdin_fd = feed.read_fd()});
    REQUIRE(child);
    auto exit = child->wait();
    REQUIRE(exit);
    REQUIRE(exit->code == 0);
  });
}

}  // namespace

TEST_CASE("faults: a stream-in killed mid-stream leaves a container that works and streams again") {
  DmcEnv env;
  TempDir dir;
  auto [blob, tar] = tar_of_blob(dir, 4 * 1024 * 1024);
  auto h = env.create();
  Ms span = time_of_paced_stream_in(env, h, tar);
  auto delays = spread(span, 8);
  int landed = 0;  // kills that found the stream still flowing
  for (size_t i = 0; i < delays.size(); ++i) {
    const std::string dest = "/in-" + std::to_string(i);
    INFO("stream-in killed after " << delays[i].count() << " ms of " << span.count());
    PacedFeed feed(tar);
    auto killed = kill_after(env.dmc_argv({"stream-in", h, "--dest", dest}), delays[i],
                             feed.read_fd(), [&] { feed.stop(); });
    CHECK_MESSAGE(killed.stragglers.empty(), joined_lines(killed.stragglers));
    landed += killed.finished_first ? 0 : 1;
    CHECK(check_seen_truthfully(env, h) == "running");
    auto echo = env.dmc({"run", h, "--", "/bin/echo", "alive"});
    CHECK_MESSAGE(echo.code == 0, echo.err);
    CHECK(echo.out == "alive\n");
    auto again = env.dmc({"stream-in", h, "--dest", dest}, tar);
    CHECK_MESSAGE(again.code == 0, again.err);
    CHECK(read_file(env.depot() + "/" + h + "/rootfs" + dest + "/blob").value_or("") == blob);
  }
  CHECK(landed > 0);
  check_destroy_leaves_nothing(env, h, seen_of(h, {env.init_pid(h)}));
}
