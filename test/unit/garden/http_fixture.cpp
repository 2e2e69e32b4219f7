#include "http_fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <regex>

#include <doctest/doctest.h>

namespace dmc::garden::test {

namespace {

constexpr int kBoundMs = 10000;

// A server writing to a client that left gets EPIPE, not a signal (dmcd's
// main ignores SIGPIPE; so does this test program).
const bool sigpipe_ignored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();

bool readable(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, kBoundMs) == 1;
}

}  // namespace

TestServer::TestServer(std::function<void(std::shared_ptr<Exchange>)> route, ServerConfig config)
    : socket_path_(dir_ / "garden.sock") {
  (void)sigpipe_ignored;
  handler_.route = std::move(route);
  REQUIRE(uv_loop_init(&loop_) == 0);
  server_ = std::make_unique<Server>(&loop_, handler_, config, Logger{});
  auto unix_listening = server_->listen_unix(socket_path_, 0600);
  REQUIRE_MESSAGE(unix_listening, unix_listening.error().message);
  auto tcp_listening = server_->listen_tcp("127.0.0.1", 0);
  REQUIRE_MESSAGE(tcp_listening, tcp_listening.error().message);
  auto port = server_->tcp_port();
  REQUIRE(port);
  port_ = *port;
  thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
}

TestServer::~TestServer() {
  server_->post([this] { server_.reset(); });
  thread_.join();
  CHECK(uv_loop_close(&loop_) == 0);
}

void TestServer::on_loop(std::function<void()> f) {
  auto done = std::make_shared<std::promise<void>>();
  auto ran = done->get_future();
  server_->post([f = std::move(f), done] {
    f();
    done->set_value();
  });
  REQUIRE(ran.wait_for(std::chrono::milliseconds(kBoundMs)) == std::future_status::ready);
}

Client Client::unix_socket(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  return Client(fd);
}

Client Client::tcp(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  return Client(fd);
}

Client::Client(Client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffered_(std::move(other.buffered_)) {}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

void Client::send(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    REQUIRE_MESSAGE(n > 0, "send: " << std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void Client::shutdown_write() { ::shutdown(fd_, SHUT_WR); }

bool Client::fill() {
  REQUIRE_MESSAGE(readable(fd_), "no bytes from the server in time; have: " << buffered_);
  char buffer[65536];
  ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
  if (n <= 0) return false;
  buffered_.append(buffer, static_cast<size_t>(n));
  return true;
}

std::string Client::read_until(std::string_view marker) {
  while (buffered_.find(marker) == std::string::npos) {
    REQUIRE_MESSAGE(fill(), "eof before '" << marker << "'; have: " << buffered_);
  }
  size_t end = buffered_.find(marker) + marker.size();
  std::string out = buffered_.substr(0, end);
  buffered_.erase(0, end);
  return out;
}

std::string Client::read_exact(size_t n) {
  while (buffered_.size() < n) REQUIRE_MESSAGE(fill(), "eof after " << buffered_.size());
  std::string out = buffered_.substr(0, n);
  buffered_.erase(0, n);
  return out;
}

std::string Client::read_to_eof() {
  while (fill()) {
  }
  return std::exchange(buffered_, std::string());
}

std::string Client::read_response() {
  std::string head = read_until("\r\n\r\n");
  std::smatch length;
  if (std::regex_search(head, length, std::regex("Content-Length: (\\d+)\r\n"))) {
    return head + read_exact(std::stoul(length[1]));
  }
  REQUIRE(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  return head + read_until("\r\n0\r\n\r\n");
}

bool Client::closed_by_server() {
  if (!buffered_.empty()) return false;
  if (!readable(fd_)) return false;
  char byte;
  return ::recv(fd_, &byte, 1, 0) <= 0;
}

std::string without_date(const std::string& bytes) {
  static const std::regex date(
      "Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \\d\\d "
      "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \\d{4} \\d\\d:\\d\\d:\\d\\d GMT\r\n");
  return std::regex_replace(bytes, date, "Date: X\r\n");
}

void Latch::wait() {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return open_; });
}

void Latch::release() {
  std::lock_guard lock(mutex_);
  open_ = true;
  cv_.notify_all();
}

}  // namespace dmc::garden::test
