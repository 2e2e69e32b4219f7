// Running probes against a fake target: exec outcomes from a script, and
// httpGet / tcpSocket against real listeners on the host's loopback.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <thread>

#include "supervisor/probe_runner.hpp"

using namespace dmc;
using namespace dmc::supervisor;

namespace {

// Sockets of the host's netns; exec answers what the test set.
class FakeTarget final : public ProbeTarget {
 public:
  Result<ExecResult> exec_result = ExecResult{0, ""};
  std::vector<std::string> ran;
  std::chrono::milliseconds timeout{0};

  Result<ExecResult> exec(const std::vector<std::string>& argv,
                          std::chrono::milliseconds t) override {
    ran = argv;
    timeout = t;
    return exec_result;
  }
  Result<UniqueFd> tcp_socket() override {
    return UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  }
};

// A listener on 127.0.0.1 at a free port.
struct Listener {
  UniqueFd fd;
  int port = 0;
  Listener() : fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    REQUIRE(::listen(fd.get(), 8) == 0);
    port = ntohs(addr.sin_port);
  }
};

// Serves one connection: reads the request head, answers reply (none when
// empty: it holds the connection open until the test ends).
class OneShotServer {
 public:
  explicit OneShotServer(std::string reply) : reply_(std::move(reply)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~OneShotServer() {
    ::shutdown(listener_.fd.get(), SHUT_RDWR);
    thread_.join();
  }
  int port() const { return listener_.port; }
  std::string request() {
    thread_.join();
    thread_ = std::thread([] {});
    return request_;
  }

 private:
  void serve() {
    pollfd p{listener_.fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 10'000) <= 0) return;
    UniqueFd conn(::accept4(listener_.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn) return;
    char buffer[1024];
    while (request_.find("\r\n\r\n") == std::string::npos) {
      pollfd q{conn.get(), POLLIN, 0};
      if (::poll(&q, 1, 10'000) <= 0) return;
      ssize_t n = ::recv(conn.get(), buffer, sizeof buffer, 0);
      if (n <= 0) return;
      request_.append(buffer, static_cast<size_t>(n));
    }
    if (reply_.empty()) {  // answer nothing until the client gives up
      pollfd q{conn.get(), POLLIN, 0};
      (void)::poll(&q, 1, 10'000);
      return;
    }
    (void)::send(conn.get(), reply_.data(), reply_.size(), MSG_NOSIGNAL);
  }

  Listener listener_;
  std::string reply_;
  std::string request_;
  std::thread thread_;
};

// A port nothing listens on (bound once, then closed).
int closed_port() {
  Listener l;
  return l.port;
}

Probe http_probe(int port, std::string path = "/") {
  return Probe{.action = HttpGetAction{.port = port, .path = std::move(path)}};
}

}  // namespace

TEST_CASE("an exec probe passes on exit code 0 and runs its argv with its timeout") {
  FakeTarget target;
  Probe probe{.action = ExecAction{{"cat", "/tmp/healthy"}}, .timeout_seconds = 3};
  auto outcome = run_probe(probe, target);
  CHECK(outcome.success);
  CHECK(outcome.message.empty());
  CHECK(target.ran == std::vector<std::string>{"cat", "/tmp/healthy"});
  CHECK(target.timeout == std::chrono::seconds(3));
}

TEST_CASE("a failed exec probe says its exit code and the first line of its output") {
  FakeTarget target;
  target.exec_result = ExecResult{1, "cat: can't open '/tmp/healthy': No such file\nsecond\n"};
  auto outcome = run_probe(Probe{.action = ExecAction{{"cat", "/tmp/healthy"}}}, target);
  CHECK(!outcome.success);
  CHECK(outcome.message ==
        "command failed: exit code 1: cat: can't open '/tmp/healthy': No such file");
  target.exec_result = ExecResult{3, ""};
  CHECK(run_probe(Probe{.action = ExecAction{{"false"}}}, target).message ==
        "command failed: exit code 3");
}

TEST_CASE("a timed-out exec probe fails saying so") {
  FakeTarget target;
  target.exec_result = ExecResult{std::nullopt, "partial"};
  auto outcome = run_probe(Probe{.action = ExecAction{{"sleep", "5"}}}, target);
  CHECK(!outcome.success);
  CHECK(outcome.message == "command timed out after 1s");
}

TEST_CASE("an exec probe the target cannot run fails with the target's error") {
  FakeTarget target;
  target.exec_result = make_error(ErrorKind::ContainerNotRunning, "container c is not running");
  CHECK(run_probe(Probe{.action = ExecAction{{"true"}}}, target).message ==
        "exec probe: container c is not running");
}

TEST_CASE("an httpGet probe passes on 200 to 399 and sends its path and headers") {
  for (const char* status : {"200 OK", "302 Found", "399 Whatever"}) {
    OneShotServer server(fmt::format("HTTP/1.1 {}\r\nContent-Length: 0\r\n\r\n", status));
    Probe probe = http_probe(server.port(), "/healthz?x=1");
    std::get<HttpGetAction>(probe.action).headers = {{"X-Probe", "yes"}};
    FakeTarget target;
    auto outcome = run_probe(probe, target);
    CHECK_MESSAGE(outcome.success, outcome.message);
    const std::string request = server.request();
    CHECK(request.starts_with("GET /healthz?x=1 HTTP/1.1\r\n"));
    CHECK(request.find(fmt::format("\r\nHost: 127.0.0.1:{}\r\n", server.port())) !=
          std::string::npos);
    CHECK(request.find("\r\nX-Probe: yes\r\n") != std::string::npos);
  }
}

TEST_CASE("an httpGet probe fails on a status of 400 or more, saying the status code") {
  for (int code : {500, 404, 400}) {
    OneShotServer server(fmt::format("HTTP/1.1 {} Nope\r\n\r\n", code));
    FakeTarget target;
    auto outcome = run_probe(http_probe(server.port()), target);
    CHECK(!outcome.success);
    CHECK(outcome.message == fmt::format("HTTP probe failed with statuscode: {}", code));
  }
}

TEST_CASE("an httpGet probe to a closed port fails: connection refused") {
  FakeTarget target;
  const int port = closed_port();
  auto outcome = run_probe(http_probe(port), target);
  CHECK(!outcome.success);
  CHECK(outcome.message == fmt::format("Get \"http://127.0.0.1:{}/\": dial tcp 127.0.0.1:{}: "
                                       "connect: connection refused",
                                       port, port));
}

TEST_CASE("an httpGet probe to a server that never answers fails at its timeout") {
  OneShotServer server("");  // accepts, reads, answers nothing
  FakeTarget target;
  auto outcome = run_probe(http_probe(server.port()), target);
  CHECK(!outcome.success);
  CHECK(outcome.message ==
        fmt::format("Get \"http://127.0.0.1:{}/\": context deadline exceeded (Client.Timeout "
                    "exceeded while awaiting headers)",
                    server.port()));
}

TEST_CASE("an httpGet probe answered with garbage or nothing fails") {
  {
    OneShotServer server("SSH-2.0-OpenSSH\r\n");
    FakeTarget target;
    CHECK(run_probe(http_probe(server.port()), target).message ==
          fmt::format("Get \"http://127.0.0.1:{}/\": malformed HTTP response", server.port()));
  }
  {
    Listener listener;  // accepted by the kernel, closed unanswered
    FakeTarget target;
    std::thread closer([&] {
      UniqueFd conn(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
    });
    auto outcome = run_probe(http_probe(listener.port), target);
    closer.join();
    CHECK(outcome.message == fmt::format("Get \"http://127.0.0.1:{}/\": EOF", listener.port));
  }
}

TEST_CASE("a tcpSocket probe passes when it connects and fails when refused") {
  FakeTarget target;
  Listener listener;
  CHECK(run_probe(Probe{.action = TcpSocketAction{.port = listener.port}}, target).success);
  const int port = closed_port();
  auto outcome = run_probe(Probe{.action = TcpSocketAction{.port = port}}, target);
  CHECK(!outcome.success);
  CHECK(outcome.message ==
        fmt::format("dial tcp 127.0.0.1:{}: connect: connection refused", port));
}
