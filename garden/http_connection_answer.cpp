// Connection: plain answers, streamed (chunked) answers, and what follows an
// answer: the next request on a kept-alive connection, or the close.
#include "garden/http_connection.hpp"

#include <ctime>
#include <utility>

#include "garden/http_wire.hpp"
#include "garden/pipe_end.hpp"
#include "garden/server_state.hpp"
#include "garden/uv_util.hpp"

namespace dmc::garden {

namespace {
constexpr size_t kSocketHigh = 64 * 1024;  // answer bytes queued before the pipe is paused
}

bool Connection::answerable(Exchange* exchange) const {
  return exchange == exchange_ && phase_ == Phase::Handling && answer_ == Answer::None;
}

void Connection::respond(Exchange* exchange, Response response) {
  if (answerable(exchange)) answer(std::move(response));
}

void Connection::on_answer(Exchange* exchange, std::function<void(int status)> f) {
  if (answerable(exchange)) on_answer_ = std::move(f);
}

void Connection::report_answer(int status) {
  if (auto f = std::exchange(on_answer_, nullptr)) f(status);
}

void Connection::answer(Response response) {
  report_answer(response.status);
  if (!complete_) close_after_answer_ = true;  // the body was not read whole
  answer_ = Answer::Writing;
  send(wire::plain_answer(response, !keep_alive_, std::time(nullptr)), [this] { answer_sent(); });
}

void Connection::answer_sent() {
  answer_ = Answer::Sent;
  detach_exchange(false);
  on_gone_ = nullptr;
  on_answer_ = nullptr;
  if (!keep_alive_ || close_after_answer_ || eof_ || !complete_) {
    close();
  } else {
    next_request();
  }
}

void Connection::next_request() {
  phase_ = Phase::Waiting;
  body_ = Body::Unread;
  body_over_ = false;
  answer_ = Answer::None;
  stream_started_ = stream_eof_ = false;
  stream_end_.reset();
  if (pending_.empty()) pending_ = std::string();  // an idle connection holds no buffer
  waiting_idle_ = pending_.empty();
  arm_timer();
  pump();
}

void Connection::exchange_dropped(Exchange* exchange) {
  if (exchange != exchange_) return;
  exchange_ = nullptr;
  if (phase_ != Phase::Handling) return;
  if (answer_ == Answer::None) {
    server_->logger.info("garden.http.dropped-exchange", {{"target", "no answer"}});
    answer(wire::error_response(500, "the request got no answer"));
  } else if (answer_ == Answer::Streaming && !stream_end_) {
    close();  // nobody can end the stream: cut it
  }
}

void Connection::on_gone(std::function<void()> f) {
  if (gone_) {
    defer(std::move(f));
  } else {
    on_gone_ = std::move(f);
  }
}

void Connection::stream_from(Exchange* exchange, UniqueFd fd, std::string content_type,
                             StreamHead head) {
  if (!answerable(exchange)) return;
  auto source = PipeEnd::open(server_->loop, std::move(fd));
  if (!source) {
    answer(wire::error_response(500, source.error().message));
    return;
  }
  source_ = *source;
  answer_ = Answer::Streaming;
  stream_type_ = std::move(content_type);
  source_->read([this](std::string_view data) { stream_data(data); },
                [this](Result<void> end) { stream_ended(std::move(end)); });
  if (head == StreamHead::Now) start_stream();
}

void Connection::start_stream() {
  if (stream_started_) return;
  stream_started_ = true;
  report_answer(200);
  if (!complete_) close_after_answer_ = true;
  send(wire::chunked_head(200, stream_type_, !keep_alive_, std::time(nullptr)));
}

void Connection::stream_data(std::string_view data) {
  start_stream();
  send(wire::chunk(data), [this] {
    if (source_ != nullptr && uv_stream_get_write_queue_size(stream()) < kSocketHigh) {
      source_->resume();
    }
  });
  if (uv_stream_get_write_queue_size(stream()) >= kSocketHigh) source_->pause();
}

void Connection::stream_ended(Result<void> result) {
  stream_eof_ = true;
  if (!result) {
    server_->logger.error("garden.http.stream-read", result.error());
    stream_failed_ = true;
  }
  if (stream_end_) finish_stream();
}

void Connection::end_stream(Exchange* exchange, std::optional<Response> error) {
  if (exchange != exchange_ || answer_ != Answer::Streaming || stream_end_) return;
  stream_end_ = std::move(error);
  if (!stream_started_ && *stream_end_) {
    source_->close();
    source_ = nullptr;
    answer(std::move(**stream_end_));
    return;
  }
  start_stream();
  if (stream_eof_) finish_stream();
}

// The producer is done and its pipe is drained: end the chunked body, or
// cut the connection after what was sent if the producer failed.
void Connection::finish_stream() {
  if (source_ != nullptr) source_->close();
  source_ = nullptr;
  if (!*stream_end_ && !stream_failed_) {
    send(std::string(wire::last_chunk), [this] { answer_sent(); });
    return;
  }
  answer_ = Answer::Sent;  // as much of it as there will be
  detach_exchange(false);
  auto* request = new uv_shutdown_t{};
  request->data = this;
  int rc = uv_shutdown(request, stream(), [](uv_shutdown_t* req, int) noexcept {
    auto* self = static_cast<Connection*>(req->data);
    delete req;
    self->close();
  });
  if (rc != 0) {
    delete request;
    close();
  }
}

}  // namespace dmc::garden
