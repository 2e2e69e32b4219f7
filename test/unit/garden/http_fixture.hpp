// A dmcd HTTP transport on a loop in a thread, with a test Handler, and a
// blocking client that talks to it over a real unix socket or TCP port.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "garden/http_server.hpp"
#include "support/temp_dir.hpp"

namespace dmc::garden::test {

// Calls `route` with each exchange, on the loop.
class FnHandler : public Handler {
 public:
  std::function<void(std::shared_ptr<Exchange>)> route;
  void handle(std::shared_ptr<Exchange> exchange) override { route(std::move(exchange)); }
};

class TestServer {
 public:
  explicit TestServer(std::function<void(std::shared_ptr<Exchange>)> route,
                      ServerConfig config = {});
  ~TestServer();  // destroys the server on the loop, then joins the loop

  Server& server() { return *server_; }
  const std::string& socket_path() const { return socket_path_; }
  int port() const { return port_; }
  std::thread::id loop_thread() const { return thread_.get_id(); }
  // Runs f on the loop and waits for it (bounded).
  void on_loop(std::function<void()> f);

 private:
  dmc::test::TempDir dir_;
  FnHandler handler_;
  uv_loop_t loop_{};
  std::unique_ptr<Server> server_;
  std::string socket_path_;
  int port_ = 0;
  std::thread thread_;
};

// A blocking client socket; every wait is bounded (10 s) and fails the test
// when it runs out.
class Client {
 public:
  static Client unix_socket(const std::string& path);
  static Client tcp(int port);
  Client(Client&& other) noexcept;
  ~Client();

  void send(std::string_view bytes);
  void shutdown_write();
  // Everything up to and including `marker`.
  std::string read_until(std::string_view marker);
  std::string read_exact(size_t n);
  // Everything until the server closes.
  std::string read_to_eof();
  // One response: headers, then a Content-Length or chunked body.
  std::string read_response();
  // True when the server closed the connection (EOF or reset) in the bound.
  bool closed_by_server();
  int fd() const { return fd_; }

 private:
  explicit Client(int fd) : fd_(fd) {}
  bool fill();  // one read into buffered_; false at EOF

  int fd_ = -1;
  std::string buffered_;
};

// "Date: <RFC 1123>" replaced by "Date: X" (after checking its form).
std::string without_date(const std::string& bytes);

// Blocks until released, from any thread.
class Latch {
 public:
  void wait();
  void release();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

}  // namespace dmc::garden::test
