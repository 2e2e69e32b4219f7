// Connection: request bodies, buffered whole (read_body) or streamed into a
// pipe with backpressure (pipe_body).
#include "garden/http_connection.hpp"

#include "garden/pipe_end.hpp"
#include "garden/server_state.hpp"
#include "garden/uv_util.hpp"

namespace dmc::garden {

namespace {
constexpr size_t kPipeHigh = 64 * 1024;  // body bytes queued on the pipe before parsing holds
}

// The body can be claimed by this call; otherwise `refuse` gets why not.
bool Connection::claim_body(Exchange* exchange, const std::function<void(Error)>& refuse) {
  std::optional<Error> why;
  if (exchange != exchange_ || phase_ != Phase::Handling) {
    why = make_error(ErrorKind::Invalid, "request body: the exchange is over");
  } else if (body_claimed_) {
    why = make_error(ErrorKind::Invalid, "request body: read already");
  }
  body_claimed_ = true;
  if (!why) {
    // The client waits for this before it sends the body (curl -T does).
    if (std::exchange(expect_continue_, false) && pending_.empty()) {
      send("HTTP/1.1 100 Continue\r\n\r\n");
    }
    return true;
  }
  defer([refuse, error = *why] { refuse(error); });
  return false;
}

void Connection::read_body(Exchange* exchange, size_t limit,
                           std::function<void(Result<std::string>)> done) {
  if (!claim_body(exchange, [done](Error e) { done(std::move(e)); })) return;
  if (body_ == Body::Done) {  // a request without a body
    defer([done] { done(std::string()); });
    return;
  }
  body_ = Body::Buffering;
  body_limit_ = limit;
  body_bytes_.clear();
  body_done_ = std::move(done);
  parser_.on_body([this](std::string_view piece) { return take_body_piece(piece); });
  pump();
}

void Connection::pipe_body(Exchange* exchange, UniqueFd fd, std::function<void(Result<void>)> done) {
  if (!claim_body(exchange, [done](Error e) { done(std::move(e)); })) return;
  if (body_ == Body::Done) {  // a request without a body: fd closes here
    defer([done] { done({}); });
    return;
  }
  auto sink = PipeEnd::open(server_->loop, std::move(fd));
  if (!sink) {
    body_ = Body::Failed;
    close_after_answer_ = true;
    defer([done, error = sink.error()] { done(error); });
    return;
  }
  sink_ = *sink;
  body_ = Body::Piping;
  pipe_done_ = std::move(done);
  parser_.on_body([this](std::string_view piece) { return take_body_piece(piece); });
  pump();
}

// A piece of decoded body from the parser; true holds the parser.
bool Connection::take_body_piece(std::string_view piece) {
  if (body_ == Body::Piping) {
    sink_->write(std::string(piece), [this](int status) { piped_written(status); });
    return sink_->queued() >= kPipeHigh;
  }
  if (body_ != Body::Buffering) return true;
  if (body_bytes_.size() + piece.size() > body_limit_) {
    body_over_ = true;
    return true;
  }
  body_bytes_.append(piece);
  return false;
}

// Handling a claimed body: parses what is pending; true to go on pumping.
bool Connection::feed_body() {
  if (pending_.empty() && eof_) {
    body_failed(make_error(ErrorKind::Unavailable, "client went away mid-body"));
  }
  if (pending_.empty() || (sink_ != nullptr && sink_->queued() >= kPipeHigh)) return false;
  auto step = parser_.feed(pending_);
  pending_.erase(0, step.consumed);
  server_->note_buffered(buffered());
  switch (step.event) {
    case RequestParser::Event::Complete:
      complete_ = true;
      body_complete();
      return false;
    case RequestParser::Event::Error:
      body_failed(make_error(ErrorKind::Invalid, "request body: {}", parser_.error()));
      return false;
    case RequestParser::Event::Held:
      if (body_over_) {
        body_failed(make_error(ErrorKind::Invalid, "request body over {} bytes", body_limit_));
      }
      return false;
    default:
      return !pending_.empty();
  }
}

void Connection::body_complete() {
  if (body_ == Body::Buffering) {
    body_ = Body::Done;
    defer([done = std::move(body_done_), body = std::move(body_bytes_)]() mutable {
      done(std::move(body));
    });
    body_bytes_ = std::string();
  } else if (body_ == Body::Piping) {
    body_ = Body::Done;
    if (sink_->queued() == 0) finish_pipe({});
  }
}

// The body cannot be had whole: the connection closes after the answer.
void Connection::body_failed(Error error) {
  close_after_answer_ = true;
  Body was = std::exchange(body_, Body::Failed);
  if (was == Body::Buffering) {
    body_bytes_ = std::string();
    defer([done = std::move(body_done_), error] { done(error); });
  } else if (was == Body::Piping || (was == Body::Done && sink_ != nullptr)) {
    finish_pipe(std::move(error));
  }
}

void Connection::piped_written(int status) {
  if (status < 0) {
    body_failed(uv_error("request body: write to pipe", status));
  } else if (body_ == Body::Done && sink_ != nullptr && sink_->queued() == 0) {
    finish_pipe({});
  } else if (body_ == Body::Piping) {
    pump();
  }
}

void Connection::finish_pipe(Result<void> result) {
  if (sink_ != nullptr) sink_->close();  // closes the fd: the reader sees EOF
  sink_ = nullptr;
  if (auto done = std::exchange(pipe_done_, nullptr)) {
    defer([done, result] { done(result); });
  }
  update_reading();
}

}  // namespace dmc::garden
