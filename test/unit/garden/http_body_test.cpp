// Request bodies: read whole (read_body) and streamed into a pipe with
// backpressure (pipe_body), Content-Length and chunked, over the limit,
// and a client that leaves mid-body.
#include <fcntl.h>
#include <unistd.h>

#include <future>
#include <random>

#include <doctest/doctest.h>

#include "http_fixture.hpp"

namespace dmc::garden::test {
namespace {

// "<hex>\r\n<piece>\r\n"... with pieces of `piece` bytes, and the last chunk.
std::string chunked(const std::string& body, size_t piece) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += piece) {
    std::string part = body.substr(at, piece);
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", part.size());
    out += size + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

std::string random_bytes(size_t n) {
  std::mt19937 generator(13);
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(generator());
  return out;
}

// Answers with what read_body gave: the body, or the error's kind and message.
void answer_body(std::shared_ptr<Exchange> exchange, size_t limit) {
  exchange->read_body(limit, [exchange](Result<std::string> body) {
    Response response;
    response.content_type = "";
    if (body) {
      response.body = *body;
    } else {
      response.status = 500;
      response.body = std::string(to_string(body.error().kind)) + ": " + body.error().message;
    }
    exchange->respond(std::move(response));
  });
}

std::string plain(int status, const std::string& reason, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason + "\r\nDate: X\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("read_body gives a chunked PUT body whole, and the connection serves on") {
  TestServer server([](auto exchange) { answer_body(exchange, 1 << 20); });
  auto client = Client::unix_socket(server.socket_path());
  std::string body = random_bytes(100000);
  std::string wire = chunked(body, 7000);
  client.send("PUT /containers/h/files HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
              wire.substr(0, 5000));
  client.send(wire.substr(5000));
  CHECK(without_date(client.read_response()) == plain(200, "OK", body));
  client.send("POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(without_date(client.read_response()) == plain(200, "OK", "hello"));
  client.send("GET /x HTTP/1.1\r\n\r\n");  // no body: an empty one
  CHECK(without_date(client.read_response()) == plain(200, "OK", ""));
}

TEST_CASE("a body over read_body's limit is an Invalid error, and the connection closes") {
  TestServer server([](auto exchange) { answer_body(exchange, 10); });
  auto client = Client::tcp(server.port());
  client.send("PUT /x HTTP/1.1\r\nContent-Length: 20\r\n\r\n01234567890123456789");
  CHECK(without_date(client.read_to_eof()) ==
        plain(500, "Internal Server Error", "invalid: request body over 10 bytes"));
}

TEST_CASE("pipe_body streams several MiB into a slow pipe without buffering the body") {
  std::promise<Result<void>> piped;
  std::promise<int> read_fd;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_fd.set_value(fds[0]);
    exchange->pipe_body(UniqueFd(fds[1]), [&piped, exchange](Result<void> result) {
      piped.set_value(result);
      Response response;
      response.body = "{}\n";
      exchange->respond(std::move(response));
    });
  });
  const std::string body = random_bytes(8 << 20);
  auto client = Client::tcp(server.port());
  auto sender = std::async(std::launch::async, [&] {
    client.send("PUT /files HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    client.send(chunked(body, 32 * 1024));
  });
  std::string received;
  UniqueFd read_end(read_fd.get_future().get());
  char buffer[4096];  // a slow reader: small reads, a pause now and then
  for (ssize_t n; (n = ::read(read_end.get(), buffer, sizeof(buffer))) > 0;) {
    received.append(buffer, static_cast<size_t>(n));
    if (received.size() % (256 * 1024) < sizeof(buffer)) std::this_thread::yield();
  }
  sender.get();
  CHECK(piped.get_future().get().has_value());
  CHECK(received.size() == body.size());
  CHECK(received == body);
  CHECK(without_date(client.read_response()).ends_with("\r\n\r\n{}\n"));
  // Held at once: at most a few socket reads and pipe writes of 64 KiB.
  CHECK(server.server().buffered_high_water() <= 512 * 1024);
}

TEST_CASE("a client gone mid-body: pipe_body's done gets an error and the pipe is closed") {
  std::promise<Result<void>> piped;
  std::promise<int> read_fd;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    read_fd.set_value(fds[0]);
    exchange->pipe_body(UniqueFd(fds[1]), [&piped](Result<void> r) { piped.set_value(r); });
  });
  UniqueFd read_end;
  {
    auto client = Client::unix_socket(server.socket_path());
    client.send("PUT /files HTTP/1.1\r\nContent-Length: 100\r\n\r\nonly ten b");
    read_end.reset(read_fd.get_future().get());
    char buffer[16];
    CHECK(::read(read_end.get(), buffer, sizeof(buffer)) == 10);
  }  // the client closes
  auto result = piped.get_future().get();
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().kind == ErrorKind::Unavailable);
  char byte;
  CHECK(::read(read_end.get(), &byte, 1) == 0);  // EOF: the write end was closed
}

}  // namespace dmc::garden::test

namespace dmc::garden::test {

TEST_CASE("Expect: 100-continue gets its interim answer when the route reads the body") {
  TestServer server([](auto exchange) { answer_body(exchange, 100); });
  auto client = Client::unix_socket(server.socket_path());
  client.send("PUT /files HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  CHECK(client.read_until("\r\n\r\n") == "HTTP/1.1 100 Continue\r\n\r\n");
  client.send("data");
  CHECK(without_date(client.read_response()) == plain(200, "OK", "data"));
}

TEST_CASE("a body the route did not read: the answer is sent whole, then the connection closes") {
  TestServer server([](std::shared_ptr<Exchange> exchange) {
    Response response;
    response.status = 404;
    response.content_type = "";
    response.body = "gone";
    exchange->respond(std::move(response));
  });
  auto client = Client::tcp(server.port());
  client.send("POST /containers/nope/processes HTTP/1.1\r\nContent-Length: 3\r\n\r\n{}\n");
  // No Connection: close (a hijack route's error must not say it); then EOF.
  CHECK(without_date(client.read_to_eof()) == plain(404, "Not Found", "gone"));
}

}  // namespace dmc::garden::test

namespace dmc::garden::test {

TEST_CASE("a client that shuts down writing after its whole body still gets body and answer") {
  std::promise<void> gone;
  std::shared_ptr<Exchange> held;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    held = exchange;  // the body is read only once the client's EOF is in
    exchange->on_gone([&] { gone.set_value(); });
  });
  auto client = Client::unix_socket(server.socket_path());
  client.send("PUT /files HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody");
  client.shutdown_write();
  gone.get_future().get();
  server.on_loop([&] { answer_body(std::exchange(held, nullptr), 100); });
  CHECK(without_date(client.read_to_eof()) == plain(200, "OK", "body"));
}

}  // namespace dmc::garden::test
