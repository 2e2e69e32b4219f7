// dmc-bench-client: the benchmark's driver of dmcd, through the benchmark's
// own Garden client (garden_client.hpp). Each mode does its work and prints
// plain numbers, one line per sample, for bench/lib/cases_garden.sh. Times
// are taken in-process with CLOCK_MONOTONIC, in nanoseconds: they hold the
// API calls only, not this program's start.
//
// Usage: dmc-bench-client --socket PATH MODE ARG...
//   ping SECONDS                  until GET /ping answers 2xx (or fail after SECONDS)
//   life N PREFIX                 N x (create, run /bin/true attached, destroy), one
//                                 after the other; per life "create run destroy total" ns
//   throughput CLIENTS N PREFIX   CLIENTS threads, each N lives as above, at once;
//                                 prints "containers elapsed_ns"
//   output HANDLE BYTES REPS PATH [ARG...]
//                                 REPS runs of PATH in HANDLE, stdout read to EOF; each
//                                 must print exactly BYTES bytes; per run its ns
//   create HANDLE...  /  destroy HANDLE...   per call its ns
//   start HANDLE PATH [ARG...]    Run, then leave without attaching; prints the process id
#include <time.h>

#include <unistd.h>

#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench/garden_client.hpp"

using dmc::Result;
using dmc::bench::GardenClient;
using dmc::bench::ProcessSpec;

namespace {

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

struct Usage {};  // thrown by the argument readers, caught in main

uint64_t number(const std::string& s) {
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc{} || end != s.data() + s.size()) throw Usage{};
  return n;
}

int fail(const dmc::Error& e) {
  fmt::print(stderr, "dmc-bench-client: {}\n", e.message);
  return 1;
}

const ProcessSpec kTrue{.path = "/bin/true", .args = {}};

// One life: create, run /bin/true attached with its exit status, destroy.
Result<std::array<int64_t, 3>> life(const GardenClient& c, const std::string& handle) {
  int64_t t0 = monotonic_ns();
  DMC_CHECK(c.create(handle));
  int64_t t1 = monotonic_ns();
  DMC_TRY(run, c.run(handle, kTrue));
  if (run.exit_status != 0) {
    return dmc::make_error(dmc::ErrorKind::Internal, "/bin/true in {} exited {}: {}", handle,
                           run.exit_status, run.stderr_text);
  }
  int64_t t2 = monotonic_ns();
  DMC_CHECK(c.destroy(handle));
  return std::array<int64_t, 3>{t1 - t0, t2 - t1, monotonic_ns() - t2};
}

int mode_ping(const GardenClient& c, uint64_t seconds) {
  int64_t deadline = monotonic_ns() + static_cast<int64_t>(seconds) * 1'000'000'000;
  for (;;) {
    auto pong = c.ping();
    if (pong) return 0;
    if (monotonic_ns() > deadline) return fail(pong.error());
    usleep(10'000);
  }
}

int mode_life(const GardenClient& c, uint64_t n, const std::string& prefix) {
  for (uint64_t i = 0; i < n; ++i) {
    auto t = life(c, fmt::format("{}-{}", prefix, i));
    if (!t) return fail(t.error());
    fmt::print("{} {} {} {}\n", (*t)[0], (*t)[1], (*t)[2], (*t)[0] + (*t)[1] + (*t)[2]);
  }
  return 0;
}

int mode_throughput(const GardenClient& c, uint64_t clients, uint64_t n,
                    const std::string& prefix) {
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  int64_t t0 = monotonic_ns();
  for (uint64_t k = 0; k < clients; ++k) {
    threads.emplace_back([&, k] {
      for (uint64_t i = 0; i < n && !failed; ++i) {
        auto t = life(c, fmt::format("{}-{}-{}", prefix, k, i));
        if (!t && !failed.exchange(true)) fail(t.error());
      }
    });
  }
  for (auto& t : threads) t.join();
  if (failed) return 1;
  fmt::print("{} {}\n", clients * n, monotonic_ns() - t0);
  return 0;
}

int mode_output(const GardenClient& c, const std::string& handle, uint64_t bytes, uint64_t reps,
                const ProcessSpec& spec) {
  for (uint64_t i = 0; i < reps; ++i) {
    int64_t t0 = monotonic_ns();
    auto run = c.run(handle, spec);
    int64_t t1 = monotonic_ns();
    if (!run) return fail(run.error());
    if (run->exit_status != 0 || run->stdout_bytes != bytes) {
      return fail(dmc::make_error(dmc::ErrorKind::Internal,
                                  "{} in {}: exit status {}, {} stdout bytes, not {}: {}",
                                  spec.path, handle, run->exit_status, run->stdout_bytes, bytes,
                                  run->stderr_text));
    }
    fmt::print("{}\n", t1 - t0);
  }
  return 0;
}

template <class Call>
int each_handle(const std::vector<std::string>& handles, Call call) {
  for (const auto& h : handles) {
    int64_t t0 = monotonic_ns();
    auto done = call(h);
    if (!done) return fail(done.error());
    fmt::print("{}\n", monotonic_ns() - t0);
  }
  return 0;
}

ProcessSpec spec_of(const std::vector<std::string>& a, size_t from) {
  if (a.size() <= from) throw Usage{};
  return ProcessSpec{.path = a[from], .args = {a.begin() + from + 1, a.end()}};
}

int dispatch(const GardenClient& c, const std::vector<std::string>& a) {
  const std::string& mode = a.at(0);
  auto need = [&](size_t n) { if (a.size() != n + 1) throw Usage{}; };
  if (mode == "ping") return need(1), mode_ping(c, number(a[1]));
  if (mode == "life") return need(2), mode_life(c, number(a[1]), a[2]);
  if (mode == "throughput") return need(3), mode_throughput(c, number(a[1]), number(a[2]), a[3]);
  if (mode == "output" && a.size() >= 5) {
    return mode_output(c, a[1], number(a[2]), number(a[3]), spec_of(a, 4));
  }
  std::vector<std::string> rest(a.begin() + 1, a.end());
  if (mode == "create") return each_handle(rest, [&](const std::string& h) { return c.create(h); });
  if (mode == "destroy") return each_handle(rest, [&](const std::string& h) { return c.destroy(h); });
  if (mode == "start" && a.size() >= 3) {
    auto id = c.start(a[1], spec_of(a, 2));
    if (!id) return fail(id.error());
    fmt::print("{}\n", *id);
    return 0;
  }
  throw Usage{};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() < 3 || args[0] != "--socket") {
    fmt::print(stderr, "usage: dmc-bench-client --socket PATH MODE ARG... (see its source)\n");
    return 2;
  }
  GardenClient client(args[1]);
  try {
    int rc = dispatch(client, {args.begin() + 2, args.end()});
    std::fflush(stdout);
    return rc;
  } catch (const Usage&) {
    fmt::print(stderr, "dmc-bench-client: bad arguments for mode {}\n", args[2]);
    return 2;
  }
}
