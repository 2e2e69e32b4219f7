// HTTP/1.1 request parsing with http-parser: one connection's requests, one
// after another, stopping at each point where the connection must decide
// what to do next (headers complete, body data held back, message complete).
#pragma once

#include <http_parser.h>

#include <functional>
#include <string>
#include <string_view>

#include "garden/http_request.hpp"

namespace dmc::garden {

class RequestParser {
 public:
  enum class Event {
    NeedMore,  // every byte given was consumed; feed more
    Headers,   // a request's headers are complete: take_request()
    Held,      // the body callback asked to stop for now
    Complete,  // the request (with its body) is complete
    Error,     // malformed or over a limit: error()
  };
  struct Step {
    size_t consumed;
    Event event;
  };

  explicit RequestParser(size_t header_limit);
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // Body bytes go to `body`, which returns true to stop after this piece.
  void on_body(std::function<bool(std::string_view)> body) { body_ = std::move(body); }
  Step feed(std::string_view data);

  // After Headers: the request, and facts about it.
  Request take_request() { return std::move(request_); }
  bool keep_alive() const { return keep_alive_; }
  bool has_body() const { return has_body_; }
  bool in_headers() const { return in_headers_; }  // between requests or inside headers
  const std::string& error() const { return error_; }

 private:
  static int on_message_begin(http_parser* p) noexcept;
  static int on_url(http_parser* p, const char* at, size_t n) noexcept;
  static int on_header_field(http_parser* p, const char* at, size_t n) noexcept;
  static int on_header_value(http_parser* p, const char* at, size_t n) noexcept;
  static int on_headers_complete(http_parser* p) noexcept;
  static int on_body_data(http_parser* p, const char* at, size_t n) noexcept;
  static int on_message_complete(http_parser* p) noexcept;
  static RequestParser& self(http_parser* p) { return *static_cast<RequestParser*>(p->data); }
  static const http_parser_settings& settings();

  Step stop(size_t consumed);
  void count_header_bytes(size_t n);

  http_parser parser_{};
  size_t header_limit_;
  size_t header_bytes_ = 0;
  bool in_headers_ = true;
  bool in_value_ = false;
  bool keep_alive_ = false;
  bool has_body_ = false;
  Event stopped_at_ = Event::NeedMore;
  Request request_;
  std::string error_;
  std::function<bool(std::string_view)> body_;
};

}  // namespace dmc::garden
