#include "garden/http_wire.hpp"

#include <http_parser.h>

#include <fmt/format.h>

#include "common/json.hpp"

namespace dmc::garden::wire {

std::string http_date(std::time_t when) {
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::tm t{};
  ::gmtime_r(&when, &t);
  return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} GMT", days[t.tm_wday], t.tm_mday,
                     months[t.tm_mon], t.tm_year + 1900, t.tm_hour, t.tm_min, t.tm_sec);
}

std::string status_line(int status) {
  std::string_view reason = http_status_str(static_cast<http_status>(status));
  if (reason == "<unknown>") reason = "Unknown";
  return fmt::format("HTTP/1.1 {} {}\r\n", status, reason);
}

namespace {

std::string head(int status, std::string_view content_type, std::time_t now) {
  std::string out = status_line(status);
  if (!content_type.empty()) out += fmt::format("Content-Type: {}\r\n", content_type);
  out += fmt::format("Date: {}\r\n", http_date(now));
  return out;
}

}  // namespace

std::string plain_answer(const Response& response, bool connection_close, std::time_t now) {
  std::string out = head(response.status, response.content_type, now);
  out += fmt::format("Content-Length: {}\r\n", response.body.size());
  for (const auto& [name, value] : response.headers) out += fmt::format("{}: {}\r\n", name, value);
  if (connection_close) out += "Connection: close\r\n";
  out += "\r\n";
  out += response.body;
  return out;
}

std::string chunked_head(int status, std::string_view content_type, bool connection_close,
                         std::time_t now) {
  std::string out = head(status, content_type, now);
  out += "Transfer-Encoding: chunked\r\n";
  if (connection_close) out += "Connection: close\r\n";
  out += "\r\n";
  return out;
}

std::string chunk(std::string_view data) {
  return fmt::format("{:x}\r\n{}\r\n", data.size(), data);
}

std::string error_json(std::string_view message) {
  return fmt::format(R"({{"Type":"","Message":{},"Handle":"","ProcessID":"","Binary":""}})",
                     json::quote(message)) + "\n";
}

Response error_response(int status, std::string_view message) {
  Response response;
  response.status = status;
  response.body = error_json(message);
  return response;
}

std::string bad_request(std::string_view message, std::time_t now) {
  return plain_answer(error_response(400, message), true, now);
}

}  // namespace dmc::garden::wire
