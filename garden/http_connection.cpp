// Connection: accepting, reading, parsing, dispatching, timing out, closing.
#include "garden/http_connection.hpp"

#include <strings.h>

#include <ctime>

#include "garden/http_wire.hpp"
#include "garden/pipe_end.hpp"
#include "garden/server_state.hpp"
#include "garden/uv_util.hpp"

namespace dmc::garden {

namespace {
constexpr size_t kMaxPending = 64 * 1024;  // input held before the socket is paused
}

Connection::Connection(std::shared_ptr<ServerState> server, bool tcp)
    : server_(std::move(server)), parser_(server_->config.header_limit) {
  if (tcp) {
    uv_tcp_init(server_->loop, &socket_.tcp);
  } else {
    uv_pipe_init(server_->loop, &socket_.pipe, 0);
  }
  uv_timer_init(server_->loop, &timer_);
  socket_.handle.data = this;
  timer_.data = this;
  open_handles_ = 2;
  server_->connections.insert(this);
}

Result<void> Connection::accept(std::shared_ptr<ServerState> server, uv_stream_t* listener,
                                bool tcp) {
  auto* connection = new Connection(std::move(server), tcp);
  int rc = uv_accept(listener, connection->stream());
  if (rc != 0) {
    connection->close();
    return uv_error("accept", rc);
  }
  connection->arm_timer();
  connection->update_reading();
  return {};
}

uv_stream_t* Connection::stream() { return as_stream(&socket_.tcp); }

void Connection::defer(std::function<void()> f) { server_->mailbox->post(std::move(f)); }

void Connection::defer_self(std::function<void()> f) {
  std::weak_ptr<int> alive = alive_;
  server_->mailbox->post([alive, f = std::move(f)] {
    if (alive.lock()) f();
  });
}

void Connection::close() {
  if (phase_ == Phase::Closing) return;
  bool answered = answer_ == Answer::Sent || phase_ == Phase::Hijacked || phase_ == Phase::Lingering;
  phase_ = Phase::Closing;
  if (!answered) mark_gone();
  if (body_ == Body::Buffering || body_ == Body::Piping) {
    body_failed(make_error(ErrorKind::Unavailable, "client went away mid-body"));
  }
  if (sink_ != nullptr) sink_->close();
  if (source_ != nullptr) source_->close();
  sink_ = source_ = nullptr;
  detach_exchange(!answered);
  detach_hijacked();
  uv_close(&socket_.handle, on_closed);
  uv_close(as_handle(&timer_), on_closed);
}

void Connection::detach_hijacked() {
  if (hijacked_ != nullptr) hijacked_->connection_ = nullptr;
  hijacked_ = nullptr;
  if (auto f = std::exchange(on_close_, nullptr)) defer(std::move(f));
}

void Connection::detach_exchange(bool gone) {
  if (exchange_ == nullptr) return;
  exchange_->connection_ = nullptr;
  exchange_->gone_ = gone;
  exchange_ = nullptr;
}

void Connection::on_closed(uv_handle_t* h) noexcept {
  auto* self = static_cast<Connection*>(h->data);
  if (--self->open_handles_ > 0) return;
  self->server_->connections.erase(self);
  delete self;
}

void Connection::mark_gone() {
  if (gone_) return;
  gone_ = true;
  if (auto f = std::exchange(on_gone_, nullptr)) server_->mailbox->post(std::move(f));
}

void Connection::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<Connection*>(h->data);
  *buf = uv_buf_init(self->server_->read_buffer, sizeof(self->server_->read_buffer));
}

void Connection::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t*) noexcept {
  auto* self = static_cast<Connection*>(s->data);
  if (n > 0) self->received(std::string_view(self->server_->read_buffer, static_cast<size_t>(n)));
  if (n < 0) self->input_ended(static_cast<int>(n));
}

void Connection::received(std::string_view data) {
  if (phase_ == Phase::Closing) return;
  if (phase_ == Phase::Lingering) return;  // dropped
  if (phase_ == Phase::Waiting && waiting_idle_) {
    waiting_idle_ = false;  // a request begins: now its headers must come in time
    arm_timer();
  }
  pending_.append(data);
  server_->note_buffered(buffered());
  pump();
}

size_t Connection::buffered() const { return pending_.size() + (sink_ ? sink_->queued() : 0); }

void Connection::input_ended(int status) {
  eof_ = true;
  reading_ = false;
  uv_read_stop(stream());
  if (phase_ == Phase::Hijacked) {
    deliver_hijacked();
    if (status != UV_EOF) close();
    return;
  }
  if (phase_ != Phase::Handling || status != UV_EOF) {
    close();  // waiting, lingering, or reset: there is nobody left to answer
    return;
  }
  // Handling: the client half-closed or left; answer if it can still read.
  // A body being read fails unless what is pending completes it.
  mark_gone();
  pump();
}

void Connection::pump() {
  while (phase_ != Phase::Closing) {
    if (phase_ == Phase::Waiting && parse_request()) continue;
    if (phase_ == Phase::Handling && (body_ == Body::Buffering || body_ == Body::Piping) &&
        feed_body()) {
      continue;
    }
    if (phase_ == Phase::Hijacked) deliver_hijacked();
    if (phase_ == Phase::Lingering) pending_.clear();
    break;
  }
  update_reading();
}

// Waiting: parses what is pending; true when a request was dispatched.
bool Connection::parse_request() {
  if (pending_.empty()) return false;
  auto step = parser_.feed(pending_);
  pending_.erase(0, step.consumed);
  if (step.event == RequestParser::Event::Error) {
    fail_request(parser_.error());
    return false;
  }
  if (step.event != RequestParser::Event::Headers) return step.event != RequestParser::Event::NeedMore;
  dispatch();
  return phase_ == Phase::Handling;
}

void Connection::dispatch() {
  keep_alive_ = parser_.keep_alive();
  has_body_ = parser_.has_body();
  Request request = parser_.take_request();
  if (auto decoded = decode_target(request); !decoded) {
    fail_request(decoded.error().message);
    return;
  }
  // The parser stopped just before the headers' last byte: take it, so that
  // what is pending is what came after the headers (the request is complete
  // then, if it has no body).
  pending_.erase(0, parser_.feed(std::string_view(pending_).substr(0, 1)).consumed);
  complete_ = !has_body_;
  auto expect = request.header("Expect");
  expect_continue_ = has_body_ && expect && ::strcasecmp(expect->c_str(), "100-continue") == 0;
  phase_ = Phase::Handling;
  body_ = has_body_ ? Body::Unread : Body::Done;
  body_claimed_ = false;
  answer_ = Answer::None;
  close_after_answer_ = false;
  uv_timer_stop(&timer_);
  auto exchange = std::make_shared<Exchange>(this, server_->mailbox, std::move(request));
  exchange_ = exchange.get();
  server_->handler.handle(std::move(exchange));
}

// A request that cannot be parsed: 400, then close.
void Connection::fail_request(const std::string& message) {
  server_->logger.info("garden.http.bad-request", {{"error", message}});
  phase_ = Phase::Handling;
  answer_ = Answer::Writing;
  send(wire::bad_request(message, std::time(nullptr)), [this] { close(); });
}

void Connection::send(std::string bytes, std::function<void()> after) {
  write_bytes(stream(), std::move(bytes), [this, after = std::move(after)](int status) {
    if (phase_ == Phase::Closing) return;
    if (status < 0) {
      close();
    } else if (after) {
      after();
    }
  });
}

void Connection::update_reading() {
  if (phase_ == Phase::Closing || eof_) return;
  bool piping_full = sink_ != nullptr && sink_->queued() >= kMaxPending;
  bool want = phase_ == Phase::Lingering || (pending_.size() < kMaxPending && !piping_full);
  if (want && !reading_) {
    int rc = uv_read_start(stream(), on_alloc, on_read);
    if (rc != 0) return close();
    reading_ = true;
  } else if (!want && reading_) {
    uv_read_stop(stream());
    reading_ = false;
  }
}

void Connection::arm_timer() {
  const auto& config = server_->config;
  int ms = phase_ == Phase::Lingering ? config.linger_ms
           : waiting_idle_           ? config.idle_timeout_ms
                                     : config.header_timeout_ms;
  uv_timer_start(&timer_, on_timer, static_cast<uint64_t>(ms), 0);
}

void Connection::on_timer(uv_timer_t* t) noexcept {
  auto* self = static_cast<Connection*>(t->data);
  if (self->phase_ == Phase::Waiting || self->phase_ == Phase::Lingering) self->close();
}

}  // namespace dmc::garden
