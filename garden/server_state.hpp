// What the server's connections share: the loop, the handler, the config,
// the mailbox to the loop, the worker pool, one read buffer (the loop reads
// one socket at a time), and the set of open connections. Internal.
#pragma once

#include <uv.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <unordered_set>

#include "common/log.hpp"
#include "garden/http_server.hpp"
#include "garden/loop_mailbox.hpp"
#include "garden/work_pool.hpp"

namespace dmc::garden {

class Connection;

class ServerState {
 public:
  ServerState(uv_loop_t* l, Handler& h, ServerConfig c, Logger log)
      : loop(l), handler(h), config(c), logger(std::move(log)) {}

  void note_buffered(size_t bytes) {
    size_t seen = high_water.load();
    while (bytes > seen && !high_water.compare_exchange_weak(seen, bytes)) {
    }
  }

  uv_loop_t* loop;
  Handler& handler;  // not used once `closed`
  ServerConfig config;
  Logger logger;
  std::shared_ptr<LoopMailbox> mailbox;
  WorkPool pool;
  std::unordered_set<Connection*> connections;
  bool closed = false;
  std::atomic<size_t> high_water{0};
  uv_pipe_t* unix_listener = nullptr;  // freed in their close callbacks
  uv_tcp_t* tcp_listener = nullptr;
  char read_buffer[64 * 1024];
};

}  // namespace dmc::garden
