// What the routes get from the transport: one request in flight (Exchange),
// a connection taken over for a raw byte stream (Hijacked), and the Handler
// the routes implement. Every method runs on the loop thread; every callback
// given here is called on the loop thread, never from inside the call that
// registered it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "garden/http_request.hpp"

namespace dmc::garden {

class Connection;   // internal (http_connection.hpp)
class LoopMailbox;  // internal (loop_mailbox.hpp)
class Hijacked;

// When a streamed answer sends its 200 head (Exchange::stream_from).
enum class StreamHead { AtFirstByte, Now };

// One request in flight; the routes hold it by shared_ptr (and drop the last
// reference on the loop thread, as every call here is made there). A route
// that drops every reference without answering gets a 500 error answer sent
// for it (and a stream it started and never ended is cut).
class Exchange {
 public:
  // Made by the transport.
  Exchange(Connection* connection, std::shared_ptr<LoopMailbox> mailbox, Request request);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const { return request_; }

  // Buffers the decoded body (Content-Length or chunked) up to `limit` bytes,
  // then done(body). Over the limit: done gets an Invalid error "request body
  // over N bytes", and the connection closes after the answer the route
  // sends. A client gone mid-body: an Unavailable error. Call it once.
  void read_body(size_t limit, std::function<void(Result<std::string>)> done);

  // Streams the decoded body into fd (e.g. a pipe's write end; the exchange
  // owns it now) with backpressure: the socket is not read while the pipe is
  // full, so a 1 GiB upload holds little memory (a few 64 KiB buffers; see
  // Server::buffered_high_water).
  // fd is closed at the body's end; then done(ok). The client gone mid-body,
  // or the pipe's reader gone (EPIPE): fd is closed and done gets an error.
  // A request without a body: fd is closed and done(ok). Call it once.
  void pipe_body(UniqueFd fd, std::function<void(Result<void>)> done);

  // A complete answer (Content-Length framing; Date header; never
  // compressed); then keep-alive serves the next request, unless the request
  // said Connection: close, its body was not read whole, or the client has
  // shut down its side. Only the first answer counts; later ones are no-ops.
  void respond(Response response);

  // A streamed 200 answer read from fd (a pipe's read end), sent
  // Transfer-Encoding: chunked, properly chunk-framed. Nothing is sent until
  // the first byte arrives or end_stream() is called. The route calls
  // end_stream(error) once the producer finished: if bytes were already sent,
  // the rest of fd is sent to EOF, then the last chunk (on an error: the
  // connection is cut after what was sent, so the client sees a truncated
  // body); if nothing was sent yet, an error is sent as the whole answer, and
  // no error gives 200 with what fd still holds (maybe nothing). With
  // StreamHead::Now the 200 head goes out at once (a stream that may stay
  // quiet for long, and can no longer fail as a whole: GET /events).
  void stream_from(UniqueFd fd, std::string content_type,
                   StreamHead head = StreamHead::AtFirstByte);
  void end_stream(std::optional<Response> error);

  // Takes the connection over (Garden's Run, Attach, Stdout, Stderr). Writes
  // exactly "HTTP/1.1 <status> <reason>\r\n" + ("Content-Type: <ct>\r\n" if ct
  // is not empty) + "Date: <RFC 1123>\r\n" + "Transfer-Encoding:
  // chunked\r\n\r\n" with a blocking-free write that is complete when hijack
  // returns (another process may then write into a dup of the socket). No
  // timeout applies to the connection again. Call it after read_body's done,
  // if the request has a body. If the client is gone, the Hijacked returned
  // is closed already (fd() == -1; on_close callbacks still run).
  std::shared_ptr<Hijacked> hijack(int status, std::string_view content_type);

  // The client closed its side or the connection failed before the answer
  // was complete. respond() then still writes if the socket is open (a
  // half-closed client may read); it is a no-op once the connection closed.
  bool gone() const;
  // f runs once, when the exchange becomes gone (not after a complete answer).
  void on_gone(std::function<void()> f);
  // f(status) runs once, when the answer's status is decided: a plain answer
  // (the 500 sent for an exchange dropped unanswered too), a streamed
  // answer's head, or a hijack. Never if the connection closed before any
  // answer. A later call replaces f.
  void on_answer(std::function<void(int status)> f);

 private:
  friend class Connection;
  Connection* connection_;  // null once answered or the connection closed
  std::shared_ptr<LoopMailbox> mailbox_;
  Request request_;
  bool gone_ = false;  // the connection closed before the answer was complete
};

// A connection taken over by hijack(): a raw byte stream both ways. If the
// routes drop every reference to an open one, it is closed.
class Hijacked {
 public:
  // Made by the transport (connection null: closed already).
  Hijacked(Connection* connection, std::shared_ptr<LoopMailbox> mailbox);
  ~Hijacked();
  Hijacked(const Hijacked&) = delete;
  Hijacked& operator=(const Hijacked&) = delete;

  // Raw bytes from the client as they arrive: first whatever was buffered
  // after the request (headers and body), then the socket's. end() runs once,
  // at EOF or on a read error. Until on_read is called, input is buffered
  // (up to 64 KiB; then the socket is not read). Call it once.
  void on_read(std::function<void(std::string_view)> data, std::function<void()> end);
  // Queued in order; never blocks. Dropped once closed.
  void write(std::string bytes);
  // After the queued writes: shutdown(SHUT_WR), then read and drop input
  // until the client closes (at most ServerConfig::linger_ms), then close.
  // Data callbacks stop at finish(). (Garden 4.4: so that no TCP RST
  // destroys the exit message.)
  void finish();
  // Closes now, dropping unsent writes.
  void close();
  // The socket, to hand a dup to another process; -1 once closed.
  int fd() const;
  // f runs once, when the connection has closed (whoever closed it).
  void on_close(std::function<void()> f);

 private:
  friend class Connection;
  Connection* connection_;  // null once closed
  std::shared_ptr<LoopMailbox> mailbox_;
};

// What the routes implement: every request's headers arrive here.
class Handler {
 public:
  virtual ~Handler() = default;
  virtual void handle(std::shared_ptr<Exchange> exchange) = 0;
};

}  // namespace dmc::garden
