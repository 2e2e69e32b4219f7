#include "garden/http_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "garden/http_connection.hpp"
#include "garden/server_state.hpp"
#include "garden/uv_util.hpp"

namespace dmc::garden {

namespace {

constexpr int kBacklog = 511;

void free_listener(uv_handle_t* h) noexcept {
  if (h->type == UV_TCP) {
    delete reinterpret_cast<uv_tcp_t*>(h);
  } else {
    delete reinterpret_cast<uv_pipe_t*>(h);
  }
}

// A listener's handle.data: the state it accepts for (weak: the server may
// be gone while the handle closes).
struct ListenerData {
  std::weak_ptr<ServerState> server;
  bool tcp;
};

void on_connection(uv_stream_t* listener, int status) noexcept {
  auto* data = static_cast<ListenerData*>(listener->data);
  auto server = data->server.lock();
  if (!server || server->closed) return;
  if (status < 0) {
    server->logger.error("garden.http.accept", uv_error("listen", status));
    return;
  }
  if (auto accepted = Connection::accept(server, listener, data->tcp); !accepted) {
    server->logger.error("garden.http.accept", accepted.error());
  }
}

void close_listener(uv_handle_t* h) {
  if (h == nullptr || uv_is_closing(h)) return;
  delete static_cast<ListenerData*>(h->data);
  h->data = nullptr;
  uv_close(h, free_listener);
}

Result<void> start_listening(uv_stream_t* listener, std::shared_ptr<ServerState> server,
                             bool tcp, std::string_view what) {
  listener->data = new ListenerData{server, tcp};
  int rc = uv_listen(listener, kBacklog, on_connection);
  if (rc != 0) return uv_error(fmt::format("listen on {}", what), rc);
  return {};
}

}  // namespace

Server::Server(uv_loop_t* loop, Handler& handler, ServerConfig config, Logger logger)
    : state_(std::make_shared<ServerState>(loop, handler, config, std::move(logger))) {
  auto mailbox = LoopMailbox::open(loop);
  if (!mailbox) state_->logger.error("garden.http.mailbox", mailbox.error());
  state_->mailbox = mailbox ? *mailbox : nullptr;
}

Server::~Server() {
  state_->closed = true;
  close_listeners();
  std::vector<Connection*> open(state_->connections.begin(), state_->connections.end());
  for (auto* connection : open) connection->close();
  if (state_->mailbox) state_->mailbox->close();
}

Result<void> Server::listen_unix(const std::string& path, int mode) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return sys_error(fmt::format("remove stale socket {}", path));
  }
  auto* pipe = new uv_pipe_t{};
  uv_pipe_init(state_->loop, pipe, 0);
  pipe->data = nullptr;
  auto listening = [&]() -> Result<void> {
    int rc = uv_pipe_bind(pipe, path.c_str());
    if (rc != 0) return uv_error(fmt::format("bind {}", path), rc);
    if (::chmod(path.c_str(), static_cast<mode_t>(mode)) != 0) {
      return sys_error(fmt::format("chmod {}", path));
    }
    return start_listening(as_stream(pipe), state_, false, path);
  }();
  if (!listening) {
    close_listener(as_handle(pipe));
    return listening;
  }
  close_listener(as_handle(std::exchange(state_->unix_listener, pipe)));
  return {};
}

Result<void> Server::listen_tcp(const std::string& ip, int port) {
  sockaddr_storage address{};
  int rc = uv_ip4_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in*>(&address));
  if (rc != 0) rc = uv_ip6_addr(ip.c_str(), port, reinterpret_cast<sockaddr_in6*>(&address));
  if (rc != 0) return make_error(ErrorKind::Invalid, "listen: bad ip address '{}'", ip);
  auto* tcp = new uv_tcp_t{};
  uv_tcp_init(state_->loop, tcp);
  tcp->data = nullptr;
  rc = uv_tcp_bind(tcp, reinterpret_cast<const sockaddr*>(&address), 0);
  Result<void> listening = rc != 0 ? Result<void>(uv_error(fmt::format("bind {}:{}", ip, port), rc))
                                   : start_listening(as_stream(tcp), state_, true,
                                                     fmt::format("{}:{}", ip, port));
  if (!listening) {
    close_listener(as_handle(tcp));
    return listening;
  }
  close_listener(as_handle(std::exchange(state_->tcp_listener, tcp)));
  return {};
}

Result<int> Server::tcp_port() const {
  if (state_->tcp_listener == nullptr) {
    return make_error(ErrorKind::NotFound, "tcp port: not listening on tcp");
  }
  sockaddr_storage address{};
  int size = sizeof(address);
  int rc = uv_tcp_getsockname(state_->tcp_listener, reinterpret_cast<sockaddr*>(&address), &size);
  if (rc != 0) return uv_error("tcp port", rc);
  if (address.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&address)->sin6_port);
  }
  return ntohs(reinterpret_cast<sockaddr_in*>(&address)->sin_port);
}

void Server::close_listeners() {
  close_listener(as_handle(std::exchange(state_->unix_listener, nullptr)));
  close_listener(as_handle(std::exchange(state_->tcp_listener, nullptr)));
}

void Server::off_loop(std::function<void()> work, std::function<void()> done) {
  std::weak_ptr<LoopMailbox> mailbox = state_->mailbox;
  state_->pool.submit([work = std::move(work), done = std::move(done), mailbox]() mutable {
    work();
    // Both die on the loop: what they hold (an Exchange) belongs to it.
    auto finish = [work = std::move(work), done = std::move(done)]() mutable {
      work = nullptr;
      done();
    };
    if (auto box = mailbox.lock()) box->post(std::move(finish));
  });
}

void Server::post(std::function<void()> f) {
  if (state_->mailbox) state_->mailbox->post(std::move(f));
}

size_t Server::buffered_high_water() const { return state_->high_water.load(); }

}  // namespace dmc::garden
