// One HTTP request as the routes see it, one plain answer, and the decoding
// of a request target into path segments and form-decoded query pairs.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace dmc::garden {

struct Request {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // as sent: "/containers/a%20b/files?destination=%2Ftmp"
  // The path split on '/', each segment percent-decoded; '+' stays '+'.
  // "/ping" -> {"ping"}; "/" -> {""}; a trailing slash gives a last "" segment.
  std::vector<std::string> segments;
  // Form-decoded ('+' is a space, %XX a byte), in the order sent.
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent

  // The first value of `key` in the query, if any.
  std::optional<std::string> param(std::string_view key) const;
  // The first value of header `name`, compared case-insensitively.
  std::optional<std::string> header(std::string_view name) const;
};

// A complete answer, sent with Content-Length framing.
struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";  // "" sends no Content-Type
  std::vector<std::pair<std::string, std::string>> headers;  // extra, e.g. Allow
};

// Fills segments and query of `request` from its target ("/a/b?x=1", or an
// absolute "http://api/a/b?x=1" whose path is used). A '%' not followed by two
// hex digits, or a target that is neither, is Invalid.
Result<void> decode_target(Request& request);

// "%2Fa+b" -> "/a+b" (path rules: '+' stays). Invalid on a bad '%' escape.
Result<std::string> percent_decode(std::string_view text);
// "%2Fa+b" -> "/a b" (form rules: '+' is a space). Invalid on a bad escape.
Result<std::string> form_decode(std::string_view text);

}  // namespace dmc::garden
