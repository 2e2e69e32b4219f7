#include "garden/request_parser.hpp"

#include <climits>

#include <fmt/format.h>

namespace dmc::garden {

RequestParser::RequestParser(size_t header_limit) : header_limit_(header_limit) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
}

const http_parser_settings& RequestParser::settings() {
  static const http_parser_settings s = [] {
    http_parser_settings made;
    http_parser_settings_init(&made);
    made.on_message_begin = on_message_begin;
    made.on_url = on_url;
    made.on_header_field = on_header_field;
    made.on_header_value = on_header_value;
    made.on_headers_complete = on_headers_complete;
    made.on_body = on_body_data;
    made.on_message_complete = on_message_complete;
    return made;
  }();
  return s;
}

RequestParser::Step RequestParser::feed(std::string_view data) {
  if (!error_.empty()) return {0, Event::Error};
  stopped_at_ = Event::NeedMore;
  size_t consumed = http_parser_execute(&parser_, &settings(), data.data(), data.size());
  return stop(consumed);
}

RequestParser::Step RequestParser::stop(size_t consumed) {
  auto err = HTTP_PARSER_ERRNO(&parser_);
  if (err == HPE_PAUSED) {
    http_parser_pause(&parser_, 0);
    return {consumed, stopped_at_};
  }
  if (err != HPE_OK) {
    error_ = header_bytes_ > header_limit_
                 ? fmt::format("request headers over {} bytes", header_limit_)
                 : fmt::format("malformed request: {}", http_errno_description(err));
    return {consumed, Event::Error};
  }
  if (parser_.upgrade) {
    error_ = "malformed request: protocol upgrades are not supported";
    return {consumed, Event::Error};
  }
  return {consumed, Event::NeedMore};
}

void RequestParser::count_header_bytes(size_t n) { header_bytes_ += n; }

int RequestParser::on_message_begin(http_parser* p) noexcept {
  auto& me = self(p);
  me.request_ = Request{};
  me.header_bytes_ = 0;
  me.in_headers_ = true;
  me.in_value_ = false;
  return 0;
}

int RequestParser::on_url(http_parser* p, const char* at, size_t n) noexcept {
  auto& me = self(p);
  me.count_header_bytes(n);
  me.request_.target.append(at, n);
  return me.header_bytes_ > me.header_limit_ ? 1 : 0;
}

int RequestParser::on_header_field(http_parser* p, const char* at, size_t n) noexcept {
  auto& me = self(p);
  if (me.in_value_ || me.request_.headers.empty()) {
    me.request_.headers.emplace_back();
    me.count_header_bytes(4);  // ": " and CRLF
  }
  me.in_value_ = false;
  me.count_header_bytes(n);
  me.request_.headers.back().first.append(at, n);
  return me.header_bytes_ > me.header_limit_ ? 1 : 0;
}

int RequestParser::on_header_value(http_parser* p, const char* at, size_t n) noexcept {
  auto& me = self(p);
  me.in_value_ = true;
  me.count_header_bytes(n);
  me.request_.headers.back().second.append(at, n);
  return me.header_bytes_ > me.header_limit_ ? 1 : 0;
}

int RequestParser::on_headers_complete(http_parser* p) noexcept {
  auto& me = self(p);
  me.request_.method = http_method_str(static_cast<http_method>(p->method));
  me.keep_alive_ = http_should_keep_alive(p) != 0;
  bool chunked = (p->flags & F_CHUNKED) != 0;
  me.has_body_ = chunked || (p->content_length != 0 && p->content_length != ULLONG_MAX);
  me.in_headers_ = false;
  me.stopped_at_ = Event::Headers;
  http_parser_pause(p, 1);
  return 0;
}

int RequestParser::on_body_data(http_parser* p, const char* at, size_t n) noexcept {
  auto& me = self(p);
  if (me.body_ && me.body_(std::string_view(at, n))) {
    me.stopped_at_ = Event::Held;
    http_parser_pause(p, 1);
  }
  return 0;
}

int RequestParser::on_message_complete(http_parser* p) noexcept {
  auto& me = self(p);
  me.in_headers_ = true;
  me.stopped_at_ = Event::Complete;
  http_parser_pause(p, 1);
  return 0;
}

}  // namespace dmc::garden
