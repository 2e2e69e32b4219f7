// The bytes dmcd writes: status lines, headers, chunk framing, the Garden
// error object. Pure functions, so the exact bytes are tested directly.
#pragma once

#include <ctime>
#include <string>
#include <string_view>

#include "garden/http_request.hpp"

namespace dmc::garden::wire {

// "Mon, 07 Dec 2026 15:36:40 GMT" (RFC 1123, always in English).
std::string http_date(std::time_t when);
// "HTTP/1.1 404 Not Found\r\n"
std::string status_line(int status);
// The whole of a plain answer: status line, Content-Type (if any), Date,
// Content-Length, the extra headers, Connection: close if asked, the body.
std::string plain_answer(const Response& response, bool connection_close, std::time_t now);
// The head of a chunked answer (a stream, or a hijacked connection's).
std::string chunked_head(int status, std::string_view content_type, bool connection_close,
                         std::time_t now);
// One chunk: "<hex size>\r\n<data>\r\n"; the empty last chunk is last_chunk().
std::string chunk(std::string_view data);
inline constexpr std::string_view last_chunk = "0\r\n\r\n";
// Garden's untyped error object, with its newline.
std::string error_json(std::string_view message);
// An answer carrying Garden's untyped error object.
Response error_response(int status, std::string_view message);
// A 400 answer to a request that could not be parsed (Connection: close).
std::string bad_request(std::string_view message, std::time_t now);

}  // namespace dmc::garden::wire
