// Exchange and Hijacked: the routes' handles on a connection. Once the
// connection is gone (or has moved on), each call is a no-op or reports an
// error through its callback, on the loop's next turn.
#include "garden/http_exchange.hpp"

#include "garden/http_connection.hpp"
#include "garden/loop_mailbox.hpp"

namespace dmc::garden {

namespace {
Error gone_error() { return make_error(ErrorKind::Unavailable, "client went away"); }
}  // namespace

Exchange::Exchange(Connection* connection, std::shared_ptr<LoopMailbox> mailbox, Request request)
    : connection_(connection), mailbox_(std::move(mailbox)), request_(std::move(request)) {}

Exchange::~Exchange() {
  if (connection_ != nullptr) connection_->exchange_dropped(this);
}

void Exchange::read_body(size_t limit, std::function<void(Result<std::string>)> done) {
  if (connection_ != nullptr) return connection_->read_body(this, limit, std::move(done));
  mailbox_->post([done = std::move(done)] { done(gone_error()); });
}

void Exchange::pipe_body(UniqueFd fd, std::function<void(Result<void>)> done) {
  if (connection_ != nullptr) return connection_->pipe_body(this, std::move(fd), std::move(done));
  mailbox_->post([done = std::move(done)] { done(gone_error()); });
}

void Exchange::respond(Response response) {
  if (connection_ != nullptr) connection_->respond(this, std::move(response));
}

void Exchange::stream_from(UniqueFd fd, std::string content_type, StreamHead head) {
  if (connection_ != nullptr) {
    connection_->stream_from(this, std::move(fd), std::move(content_type), head);
  }
}

void Exchange::end_stream(std::optional<Response> error) {
  if (connection_ != nullptr) connection_->end_stream(this, std::move(error));
}

std::shared_ptr<Hijacked> Exchange::hijack(int status, std::string_view content_type) {
  if (connection_ != nullptr) return connection_->hijack(this, status, content_type);
  return std::make_shared<Hijacked>(nullptr, mailbox_);
}

bool Exchange::gone() const { return connection_ != nullptr ? connection_->gone() : gone_; }

void Exchange::on_gone(std::function<void()> f) {
  if (connection_ != nullptr) return connection_->on_gone(std::move(f));
  if (gone_) mailbox_->post(std::move(f));
}

void Exchange::on_answer(std::function<void(int status)> f) {
  if (connection_ != nullptr) connection_->on_answer(this, std::move(f));
}

Hijacked::Hijacked(Connection* connection, std::shared_ptr<LoopMailbox> mailbox)
    : connection_(connection), mailbox_(std::move(mailbox)) {}

Hijacked::~Hijacked() {
  if (connection_ != nullptr) connection_->hijacked_dropped(this);
}

void Hijacked::on_read(std::function<void(std::string_view)> data, std::function<void()> end) {
  if (connection_ != nullptr) connection_->hijacked_on_read(std::move(data), std::move(end));
}

void Hijacked::write(std::string bytes) {
  if (connection_ != nullptr) connection_->hijacked_write(std::move(bytes));
}

void Hijacked::finish() {
  if (connection_ != nullptr) connection_->hijacked_finish();
}

void Hijacked::close() {
  if (connection_ != nullptr) connection_->close();
}

int Hijacked::fd() const { return connection_ != nullptr ? connection_->socket_fd() : -1; }

void Hijacked::on_close(std::function<void()> f) {
  if (connection_ != nullptr) return connection_->hijacked_on_close(std::move(f));
  mailbox_->post(std::move(f));
}

}  // namespace dmc::garden
