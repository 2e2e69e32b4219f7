// Plain exchanges: Content-Length answers, keep-alive, Connection: close,
// malformed requests, headers over the limit, dropped exchanges.
#include <doctest/doctest.h>

#include "http_fixture.hpp"

namespace dmc::garden::test {
namespace {

const std::string kPingAnswer =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: X\r\n"
    "Content-Length: 3\r\n\r\n{}\n";

void answer_ping(std::shared_ptr<Exchange> exchange) {
  Response response;
  response.body = "{}\n";
  exchange->respond(std::move(response));
}

// Echoes what the transport decoded of the request.
void answer_echo(std::shared_ptr<Exchange> exchange) {
  const Request& request = exchange->request();
  Response response;
  response.content_type = "text/plain";
  response.body = request.method;
  for (const auto& s : request.segments) response.body += "|" + s;
  for (const auto& [k, v] : request.query) response.body += "&" + k + "=" + v;
  response.body += "#" + request.header("x-TRACE").value_or("none");
  response.headers.emplace_back("Allow", "GET, PUT");
  exchange->respond(std::move(response));
}

}  // namespace

TEST_CASE("a plain GET is answered with Content-Length, twice on one kept-alive connection") {
  TestServer server(answer_ping);
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /ping HTTP/1.1\r\nHost: api\r\n\r\n");
  CHECK(without_date(client.read_response()) == kPingAnswer);
  client.send("GET /ping HTTP/1.1\r\nHost: api\r\nUser-Agent: x\r\n\r\n");
  CHECK(without_date(client.read_response()) == kPingAnswer);
}

TEST_CASE("two requests in one packet over TCP are answered in order") {
  TestServer server(answer_echo);
  auto client = Client::tcp(server.port());
  client.send("GET /a HTTP/1.1\r\n\r\nDELETE /b/ HTTP/1.1\r\n\r\n");
  std::string first = without_date(client.read_response());
  std::string second = without_date(client.read_response());
  CHECK(first.ends_with("\r\nAllow: GET, PUT\r\n\r\nGET|a#none"));
  CHECK(second.ends_with("\r\n\r\nDELETE|b|#none"));
}

TEST_CASE("the target is split into percent-decoded segments and form-decoded query pairs") {
  TestServer server(answer_echo);
  auto client = Client::unix_socket(server.socket_path());
  client.send(
      "GET /containers/a%20b+c/files?destination=%2Fhome%2Fal+ice&handles=a%2Cb&x HTTP/1.1\r\n"
      "X-Trace: t1\r\n\r\n");
  CHECK(without_date(client.read_response()) ==
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: X\r\nContent-Length: 69\r\n"
        "Allow: GET, PUT\r\n\r\n"
        "GET|containers|a b+c|files&destination=/home/al ice&handles=a,b&x=#t1");
}

TEST_CASE("Connection: close is honoured: the answer says so and the connection closes") {
  TestServer server(answer_ping);
  auto client = Client::tcp(server.port());
  client.send(
      "GET /ping HTTP/1.1\r\nHost: api\r\nConnection: close\r\nAccept-Encoding: gzip\r\n\r\n");
  CHECK(without_date(client.read_to_eof()) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: X\r\n"
        "Content-Length: 3\r\nConnection: close\r\n\r\n{}\n");
}

TEST_CASE("a malformed request gets a 400 with Garden's error object, and the connection closes") {
  bool handled = false;
  TestServer server([&](std::shared_ptr<Exchange>) { handled = true; });
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /ping HTTP/1.1\r\nBad Header\r\n\r\n");
  std::string answer = without_date(client.read_to_eof());
  CHECK(answer.starts_with(
      "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nDate: X\r\n"
      "Content-Length: "));
  CHECK(answer.find("\r\nConnection: close\r\n\r\n{\"Type\":\"\",\"Message\":\"malformed request: ") !=
        std::string::npos);
  CHECK(answer.ends_with("\",\"Handle\":\"\",\"ProcessID\":\"\",\"Binary\":\"\"}\n"));
  CHECK_FALSE(handled);
}

TEST_CASE("a bad percent escape in the path is a malformed request") {
  TestServer server(answer_ping);
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /containers/%zz HTTP/1.1\r\n\r\n");
  std::string answer = without_date(client.read_to_eof());
  CHECK(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"));
  CHECK(answer.find("bad percent escape in '%zz'") != std::string::npos);
}

TEST_CASE("headers over the limit get a 400 and the connection closes") {
  ServerConfig config;
  config.header_limit = 1024;
  TestServer server(answer_ping, config);
  auto client = Client::tcp(server.port());
  client.send("GET /ping HTTP/1.1\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  std::string answer = without_date(client.read_to_eof());
  CHECK(answer.starts_with("HTTP/1.1 400 Bad Request\r\n"));
  CHECK(answer.find("\"Message\":\"request headers over 1024 bytes\"") != std::string::npos);
}

TEST_CASE("an exchange dropped without an answer gets a 500 error object") {
  TestServer server([](std::shared_ptr<Exchange>) {});
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /nothing HTTP/1.1\r\n\r\n");
  CHECK(without_date(client.read_response()) ==
        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nDate: X\r\n"
        "Content-Length: 89\r\n\r\n"
        "{\"Type\":\"\",\"Message\":\"the request got no answer\",\"Handle\":\"\",\"ProcessID\":\"\","
        "\"Binary\":\"\"}\n");
  client.send("GET /ping HTTP/1.1\r\n\r\n");  // and the connection serves on
  CHECK(without_date(client.read_response()).starts_with("HTTP/1.1 500 "));
}

}  // namespace dmc::garden::test
