// Decoding of request targets, the wire bytes of answers, and the request
// parser on its own.
#include <doctest/doctest.h>

#include "garden/http_request.hpp"
#include "garden/http_wire.hpp"
#include "garden/request_parser.hpp"

namespace dmc::garden {

namespace {
Request decoded(const std::string& target) {
  Request request;
  request.target = target;
  auto result = decode_target(request);
  REQUIRE_MESSAGE(result, result.error().message);
  return request;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;
using Segments = std::vector<std::string>;
}  // namespace

TEST_CASE("decode_target splits the path and keeps '+' in it, and the query is form-decoded") {
  CHECK(decoded("/ping").segments == Segments{"ping"});
  CHECK(decoded("/").segments == Segments{""});
  CHECK(decoded("/containers/").segments == Segments{"containers", ""});
  CHECK(decoded("/containers/a+b%20c%2Fd").segments == Segments{"containers", "a+b c/d"});
  auto request = decoded("/containers?owner=ci&x=a+b%2Bc&owner=two&empty=&flag");
  CHECK(request.segments == Segments{"containers"});
  CHECK(request.query == Pairs{{"owner", "ci"}, {"x", "a b+c"}, {"owner", "two"},
                               {"empty", ""}, {"flag", ""}});
  CHECK(request.param("owner") == "ci");
  CHECK_FALSE(request.param("none"));
  CHECK(decoded("http://api/containers/h/info?x=1").segments ==
        Segments{"containers", "h", "info"});
}

TEST_CASE("decode_target refuses bad escapes and targets that are not paths") {
  for (std::string target : {"/a%2", "/a%zz", "/a?b=%g1", "*"}) {
    Request request;
    request.target = target;
    auto result = decode_target(request);
    REQUIRE_FALSE(result);
    CHECK(result.error().kind == ErrorKind::Invalid);
  }
}

TEST_CASE("header() compares names case-insensitively and gives the first value") {
  Request request;
  request.headers = {{"Content-Type", "a"}, {"content-type", "b"}};
  CHECK(request.header("CONTENT-TYPE") == "a");
  CHECK_FALSE(request.header("Content-Typ"));
}

TEST_CASE("the wire bytes: dates, status lines, chunks, error objects") {
  CHECK(wire::http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT");
  CHECK(wire::http_date(1796657800) == "Mon, 07 Dec 2026 15:36:40 GMT");
  CHECK(wire::status_line(201) == "HTTP/1.1 201 Created\r\n");
  CHECK(wire::status_line(299) == "HTTP/1.1 299 Unknown\r\n");
  CHECK(wire::chunk("0123456789abcdefg") == "11\r\n0123456789abcdefg\r\n");
  CHECK(wire::error_json("bad \"x\" <y>\n") ==
        "{\"Type\":\"\",\"Message\":\"bad \\\"x\\\" <y>\\n\",\"Handle\":\"\","
        "\"ProcessID\":\"\",\"Binary\":\"\"}\n");
  Response response;
  response.status = 405;
  response.content_type = "";
  response.headers = {{"Allow", "GET"}};
  CHECK(wire::plain_answer(response, false, 0) ==
        "HTTP/1.1 405 Method Not Allowed\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
        "Content-Length: 0\r\nAllow: GET\r\n\r\n");
}

TEST_CASE("the request parser stops at headers and at the end, and decodes chunked bodies") {
  RequestParser parser(1024);
  std::string body;
  parser.on_body([&](std::string_view piece) {
    body.append(piece);
    return false;
  });
  std::string input =
      "PUT /f HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET";
  auto step = parser.feed(input);
  CHECK(step.event == RequestParser::Event::Headers);
  CHECK(parser.has_body());
  CHECK(parser.keep_alive());
  auto request = parser.take_request();
  CHECK(request.method == "PUT");
  CHECK(request.headers == Pairs{{"Transfer-Encoding", "chunked"}});
  input.erase(0, step.consumed);
  step = parser.feed(input);
  CHECK(step.event == RequestParser::Event::Complete);
  CHECK(body == "abcde");
  CHECK(input.substr(step.consumed) == "GET");
}

TEST_CASE("the request parser refuses headers over its limit") {
  RequestParser parser(64);
  auto step = parser.feed("GET / HTTP/1.1\r\nX: " + std::string(100, 'a') + "\r\n\r\n");
  CHECK(step.event == RequestParser::Event::Error);
  CHECK(parser.error() == "request headers over 64 bytes");
}

}  // namespace dmc::garden
