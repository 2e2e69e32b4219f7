// One client connection: reads and parses requests one after another, hands
// each to the Handler as an Exchange, writes the answers (plain, streamed or
// hijacked), keeps it alive or closes it, and times it out while it waits
// for a request. Freed in the close callbacks of its handles, never before.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "garden/http_exchange.hpp"
#include "garden/request_parser.hpp"

namespace dmc::garden {

class ServerState;
class PipeEnd;

class Connection {
 public:
  // Accepts a client of `listener` (a uv_tcp_t or a uv_pipe_t server).
  static Result<void> accept(std::shared_ptr<ServerState> server, uv_stream_t* listener,
                             bool tcp);
  void close();  // now, whatever state it is in

  // For Exchange (every call checks that `exchange` is the current one).
  void read_body(Exchange* exchange, size_t limit, std::function<void(Result<std::string>)> done);
  void pipe_body(Exchange* exchange, UniqueFd fd, std::function<void(Result<void>)> done);
  void respond(Exchange* exchange, Response response);
  void stream_from(Exchange* exchange, UniqueFd fd, std::string content_type, StreamHead head);
  void end_stream(Exchange* exchange, std::optional<Response> error);
  std::shared_ptr<Hijacked> hijack(Exchange* exchange, int status, std::string_view content_type);
  bool gone() const { return gone_; }
  void on_gone(std::function<void()> f);
  void on_answer(Exchange* exchange, std::function<void(int status)> f);
  void exchange_dropped(Exchange* exchange);

  // For Hijacked.
  void hijacked_on_read(std::function<void(std::string_view)> data, std::function<void()> end);
  void hijacked_write(std::string bytes);
  void hijacked_finish();
  int socket_fd() const;
  void hijacked_on_close(std::function<void()> f);
  void hijacked_dropped(Hijacked* hijacked);

 private:
  enum class Phase { Waiting, Handling, Hijacked, Lingering, Closing };
  enum class Body { Unread, Buffering, Piping, Done, Failed };
  enum class Answer { None, Writing, Streaming, Sent };

  Connection(std::shared_ptr<ServerState> server, bool tcp);
  ~Connection() = default;

  // Input (http_connection.cpp).
  static void on_alloc(uv_handle_t* h, size_t size, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept;
  static void on_timer(uv_timer_t* t) noexcept;
  static void on_closed(uv_handle_t* h) noexcept;
  void received(std::string_view data);
  void input_ended(int status);
  void pump();
  bool parse_request();
  void dispatch();
  void update_reading();
  void arm_timer();
  void mark_gone();
  void fail_request(const std::string& message);
  void send(std::string bytes, std::function<void()> after = nullptr);
  void defer(std::function<void()> f);       // f must not use this
  void defer_self(std::function<void()> f);  // dropped if this is freed first
  uv_stream_t* stream();
  size_t buffered() const;
  void detach_exchange(bool gone);
  void detach_hijacked();

  // Bodies (http_connection_body.cpp).
  bool claim_body(Exchange* exchange, const std::function<void(Error)>& refuse);
  bool feed_body();
  bool take_body_piece(std::string_view piece);
  void body_complete();
  void body_failed(Error error);
  void piped_written(int status);
  void finish_pipe(Result<void> result);

  // Answers (http_connection_answer.cpp).
  bool answerable(Exchange* exchange) const;
  void report_answer(int status);  // runs on_answer_ once
  void answer(Response response);
  void answer_sent();
  void next_request();
  bool connection_close() const;
  void stream_data(std::string_view data);
  void stream_ended(Result<void> result);
  void start_stream();
  void finish_stream();

  // Hijacked (http_connection_hijack.cpp).
  void write_now(std::string bytes);
  void deliver_hijacked();

  std::shared_ptr<ServerState> server_;
  union {
    uv_handle_t handle;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } socket_;
  uv_timer_t timer_{};
  int open_handles_ = 0;
  Phase phase_ = Phase::Waiting;
  bool reading_ = false;
  bool eof_ = false;
  bool gone_ = false;
  bool waiting_idle_ = false;  // between requests: the idle timeout applies
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);  // dies with this

  RequestParser parser_;
  std::string pending_;  // read, not yet parsed (or not yet given to on_read)
  bool keep_alive_ = false;
  bool has_body_ = false;
  bool complete_ = false;  // the current request was parsed to its end
  bool expect_continue_ = false;  // it said "Expect: 100-continue"

  Exchange* exchange_ = nullptr;  // the current one (raw: it tells us when it dies)
  std::function<void()> on_gone_;
  std::function<void(int status)> on_answer_;

  Body body_ = Body::Unread;
  bool body_claimed_ = false;
  bool body_over_ = false;
  size_t body_limit_ = 0;
  std::string body_bytes_;
  std::function<void(Result<std::string>)> body_done_;
  PipeEnd* sink_ = nullptr;
  std::function<void(Result<void>)> pipe_done_;
  bool close_after_answer_ = false;

  Answer answer_ = Answer::None;
  PipeEnd* source_ = nullptr;
  std::string stream_type_;
  bool stream_started_ = false;
  bool stream_eof_ = false;
  bool stream_failed_ = false;
  std::optional<std::optional<Response>> stream_end_;  // set by end_stream

  Hijacked* hijacked_ = nullptr;
  std::function<void(std::string_view)> raw_data_;
  std::function<void()> raw_end_;
  std::function<void()> on_close_;
};

}  // namespace dmc::garden
