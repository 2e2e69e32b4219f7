// Connection: taken over by a route (Garden's Run, Attach, Stdout, Stderr)
// as a raw byte stream, and its orderly end (finish: shut down writes, then
// drain the client until it closes).
#include "garden/http_connection.hpp"

#include <ctime>

#include "garden/http_wire.hpp"
#include "garden/server_state.hpp"
#include "garden/uv_util.hpp"

namespace dmc::garden {

std::shared_ptr<Hijacked> Connection::hijack(Exchange* exchange, int status,
                                             std::string_view content_type) {
  if (!answerable(exchange)) {
    return std::make_shared<Hijacked>(nullptr, server_->mailbox);
  }
  report_answer(status);
  phase_ = Phase::Hijacked;
  answer_ = Answer::Sent;
  detach_exchange(false);
  on_gone_ = nullptr;
  uv_timer_stop(&timer_);
  write_now(wire::chunked_head(status, content_type, false, std::time(nullptr)));
  auto hijacked = std::make_shared<Hijacked>(this, server_->mailbox);
  hijacked_ = hijacked.get();
  return hijacked;
}

// Writes on the socket before returning (with nothing queued before it, a
// short head always fits the socket's buffer); what does not fit is queued.
void Connection::write_now(std::string bytes) {
  uv_buf_t buf = uv_buf_init(bytes.data(), static_cast<unsigned>(bytes.size()));
  int written = uv_try_write(stream(), &buf, 1);
  if (written == static_cast<int>(bytes.size())) return;
  if (written == UV_EAGAIN) written = 0;
  if (written < 0) {
    defer_self([this] { close(); });
    return;
  }
  send(bytes.substr(static_cast<size_t>(written)));
}

void Connection::hijacked_on_read(std::function<void(std::string_view)> data,
                                  std::function<void()> end) {
  if (phase_ != Phase::Hijacked) return;
  raw_data_ = std::move(data);
  raw_end_ = std::move(end);
  defer_self([this] { pump(); });  // what was buffered, on the loop's next turn
}

// Hands pending input to the route, and the end of input once.
void Connection::deliver_hijacked() {
  if (!raw_data_ || phase_ != Phase::Hijacked) return;
  if (!pending_.empty()) {
    std::string bytes = std::exchange(pending_, std::string());
    raw_data_(bytes);
  }
  if (eof_ && phase_ == Phase::Hijacked && pending_.empty()) {
    if (auto end = std::exchange(raw_end_, nullptr)) end();
  }
}

void Connection::hijacked_write(std::string bytes) {
  if (phase_ == Phase::Hijacked) send(std::move(bytes));
}

void Connection::hijacked_finish() {
  if (phase_ != Phase::Hijacked) return;
  phase_ = Phase::Lingering;  // raw_data_ stays: it may be running now
  pending_ = std::string();
  auto* request = new uv_shutdown_t{};
  request->data = this;
  int rc = uv_shutdown(request, stream(), [](uv_shutdown_t* req, int status) noexcept {
    auto* self = static_cast<Connection*>(req->data);
    delete req;
    if (status < 0 || self->eof_) return self->close();
    self->arm_timer();  // drain until the client closes, or until linger_ms
    self->update_reading();
  });
  if (rc != 0) {
    delete request;
    close();
  }
}

int Connection::socket_fd() const {
  uv_os_fd_t fd = -1;
  if (phase_ == Phase::Closing || uv_fileno(&socket_.handle, &fd) != 0) return -1;
  return fd;
}

void Connection::hijacked_on_close(std::function<void()> f) { on_close_ = std::move(f); }

void Connection::hijacked_dropped(Hijacked* hijacked) {
  if (hijacked != hijacked_) return;
  hijacked_ = nullptr;
  if (phase_ == Phase::Hijacked) close();  // nobody can use or end it any more
}

}  // namespace dmc::garden
