// Output is never lost and never duplicated: killed clients, spool caps, ttys.
#include <pty.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <doctest/doctest.h>

#include "common/fs.hpp"
#include "support/machine.hpp"

using namespace dmc;
using namespace dmc::test;

namespace {

// Blocks of numbers with pauses between them, so that a client can be
// killed while output is still coming.
constexpr int kBlocks = 30;
constexpr int kPerBlock = 20000;

std::string numbers_script() {
  return fmt::format("i=0; while [ $i -lt {0} ]; do seq $((i*{1})) $((i*{1}+{1}-1)); "
                     "sleep 0.02; i=$((i+1)); done; exit 9",
                     kBlocks, kPerBlock);
}

std::string expected_numbers() {
  std::string out;
  for (int n = 0; n < kBlocks * kPerBlock; ++n) out += std::to_string(n) + "\n";
  return out;
}

std::string read_at_least(int fd, size_t bytes) {
  std::string out;
  char buf[65536];
  while (out.size() < bytes) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

off_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
}

}  // namespace

TEST_CASE("killing the attached client loses and duplicates no byte of output") {
  DmcEnv env;
  auto h = env.create();
  auto [out_read, out_write] = make_pipe();
  auto run = spawn_child({.argv = env.dmc_argv({"run", h, "--id", "survivor", "--", "/bin/sh",
                                                "-c", numbers_script()}),
                          .stdout_fd = out_write.get()});
  REQUIRE(run);
  out_write.reset();
  std::string received = read_at_least(out_read.get(), 1 << 20);
  REQUIRE(received.size() >= (1u << 20));
  REQUIRE(::kill(run->pid(), SIGKILL) == 0);
  auto killed = run->wait();
  REQUIRE(killed);
  CHECK(killed->code == 137);
  received += read_all(out_read.get());  // what the shim wrote before it saw the client go
  auto expected = expected_numbers();
  REQUIRE(received.size() < expected.size());  // the client really died mid-stream

  auto rest = env.dmc({"attach", "--no-stdin", h, "survivor"});
  CHECK(rest.code == 9);
  CHECK(rest.err == "");
  CHECK(received.size() + rest.out.size() == expected.size());
  CHECK((received + rest.out) == expected);
}

TEST_CASE("output past the spool cap holds the process back and is delivered whole") {
  DmcEnv env;
  auto h = env.create();
  constexpr size_t kCap = 1 << 20;
  constexpr size_t kTotal = 4 << 20;
  REQUIRE(env.dmc({"run", h, "--detach", "--id", "big", "--spool-cap", "1M", "--",
                   "/usr/bin/head", "-c", std::to_string(kTotal), "/dev/zero"}).code == 0);
  auto dir = env.depot() + "/" + h + "/processes/big";
  int pid = std::atoi(read_file(dir + "/pid").value_or("0").c_str());
  REQUIRE(pid > 0);
  // Held back: blocked writing its pipe, with the spool full and nothing lost.
  REQUIRE(eventually([&] {
    return read_file("/proc/" + std::to_string(pid) + "/wchan").value_or("").ends_with("pipe_write") &&
           file_size(dir + "/stdout.spool") >= static_cast<off_t>(kCap);
  }));
  CHECK(file_size(dir + "/stdout.spool") == static_cast<off_t>(kCap));
  CHECK_FALSE(path_exists(dir + "/exit_status"));
  CHECK(process_alive(pid));

  auto r = env.dmc({"attach", "--no-stdin", h, "big"});
  CHECK(r.code == 0);
  CHECK(r.out.size() == kTotal);
  CHECK(r.out == std::string(kTotal, '\0'));
}

TEST_CASE("a tty process sees the caller's terminal size and its changes") {
  DmcEnv env;
  auto h = env.create();
  int master = -1, slave = -1;
  winsize size{30, 100, 0, 0};
  REQUIRE(::openpty(&master, &slave, nullptr, nullptr, &size) == 0);
  UniqueFd master_fd(master), slave_fd(slave);
  auto run = spawn_child({.argv = env.dmc_argv({"run", h, "--tty", "--", "/bin/sh", "-c",
                                                "stty size; test -t 0 && echo tty; "
                                                "trap 'stty size; exit 5' WINCH; echo ready; "
                                                "while :; do sleep 0.05; done"}),
                          .stdin_fd = slave, .stdout_fd = slave, .stderr_fd = slave});
  REQUIRE(run);
  slave_fd.reset();
  std::string seen;
  char buf[4096];
  while (seen.find("ready") == std::string::npos) {
    ssize_t n = ::read(master, buf, sizeof buf);
    REQUIRE(n > 0);
    seen.append(buf, static_cast<size_t>(n));
  }
  CHECK(seen.find("30 100\r\ntty\r\n") != std::string::npos);
  winsize bigger{40, 120, 0, 0};
  REQUIRE(::ioctl(master, TIOCSWINSZ, &bigger) == 0);
  REQUIRE(::kill(run->pid(), SIGWINCH) == 0);
  auto exit = run->wait();
  REQUIRE(exit);
  CHECK(exit->code == 5);
  for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) seen.append(buf, static_cast<size_t>(n));
  CHECK(seen.find("40 120\r\n") != std::string::npos);
}
