// dmcd's HTTP/1.1 server on a libuv loop: listeners on a unix socket and on
// TCP, one Connection per client, requests handed to a Handler, and worker
// threads for work that must not block the loop.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <string>

#include "common/log.hpp"
#include "common/result.hpp"
#include "garden/http_exchange.hpp"

namespace dmc::garden {

struct ServerConfig {
  // A new or kept-alive connection must send a request's headers within
  // this time, counted from the connection's start or the previous answer.
  int header_timeout_ms = 30000;
  // A kept-alive connection idle this long (no request begun) is closed.
  int idle_timeout_ms = 120000;
  // Bytes of request line + headers. http-parser also caps them at its
  // compiled-in 80 KiB; either limit gets a 400 and the connection closes.
  size_t header_limit = 80 * 1024;
  // Hijacked::finish(): how long to drain a client that does not close.
  int linger_ms = 5000;
};

class ServerState;  // internal (http_server.cpp)

class Server {
 public:
  // Must be made, used and destroyed on the loop's thread (the loop need not
  // run yet). Destroying it closes listeners and connections; their memory
  // is freed in close callbacks, so the loop must run afterwards until it
  // has no handles left (uv_run returns).
  Server(uv_loop_t* loop, Handler& handler, ServerConfig config, Logger logger);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Removes a stale socket file first; chmods the socket to `mode`. A second
  // call replaces the first listener. Closing a unix listener removes its
  // socket file (libuv does).
  Result<void> listen_unix(const std::string& path, int mode);
  Result<void> listen_tcp(const std::string& ip, int port);  // port 0: any free one
  // The port the TCP listener is bound to.
  Result<int> tcp_port() const;
  // Stops accepting (SIGTERM); existing connections may finish.
  void close_listeners();

  // work() on a worker thread (never the loop), then done() on the loop
  // (done is dropped if the server was destroyed meanwhile). Both functions
  // are destroyed on the loop, so they may hold an Exchange. Any number may
  // run at once: the pool is dmc's own and grows by one thread whenever no
  // thread is idle (an idle thread exits after a few seconds), so a 1 GiB
  // stream-in or a slow create keeps no other work waiting.
  void off_loop(std::function<void()> work, std::function<void()> done);
  // From any thread: f runs on the loop soon (dropped if the server is gone).
  void post(std::function<void()> f);

  // The most bytes any one connection has held at once: read and not yet
  // parsed or delivered, plus request body not yet written into a pipe
  // (bodies buffered by read_body are the route's and not counted).
  size_t buffered_high_water() const;

 private:
  std::shared_ptr<ServerState> state_;
};

}  // namespace dmc::garden
