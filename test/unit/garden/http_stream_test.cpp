// Streamed answers (stream_from / end_stream): chunk-framed bytes of a pipe,
// and the ways a stream ends.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>

#include <doctest/doctest.h>

#include "http_fixture.hpp"
#include "support/machine.hpp"

namespace dmc::garden::test {
namespace {

const std::string kTarHead =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nDate: X\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

// The route's side of a stream: the exchange and the producer's write end.
struct Streaming {
  std::shared_ptr<Exchange> exchange;
  UniqueFd producer;
  std::atomic<int> routed{0};
};

// A route that starts a stream from a new pipe and keeps both ends for the test.
std::function<void(std::shared_ptr<Exchange>)> stream_route(Streaming& streaming) {
  return [&streaming](std::shared_ptr<Exchange> exchange) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    exchange->stream_from(UniqueFd(fds[0]), "application/x-tar");
    streaming.exchange = exchange;
    streaming.producer.reset(fds[1]);
    ++streaming.routed;
  };
}

// Waits until the route has seen `requests` requests.
void routed(Streaming& streaming, int requests) {
  REQUIRE(dmc::test::eventually([&] { return streaming.routed >= requests; }));
}

void produce(TestServer& server, Streaming& streaming, const std::string& bytes) {
  server.on_loop([&] {
    CHECK(::write(streaming.producer.get(), bytes.data(), bytes.size()) ==
          static_cast<ssize_t>(bytes.size()));
  });
}

}  // namespace

TEST_CASE("stream_from: data, then end_stream with no error, is a chunked 200 with its last chunk") {
  Streaming streaming;
  TestServer server(stream_route(streaming));
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /containers/h/files?source=%2Ftmp HTTP/1.1\r\n\r\n");
  routed(streaming, 1);
  produce(server, streaming, "hello");
  CHECK(without_date(client.read_until("hello\r\n")) == kTarHead + "5\r\nhello\r\n");
  produce(server, streaming, "world!");
  server.on_loop([&] {
    streaming.producer.reset();  // the producer is done
    streaming.exchange->end_stream(std::nullopt);
  });
  CHECK(client.read_until("0\r\n\r\n") == "6\r\nworld!\r\n0\r\n\r\n");
  client.send("GET /again HTTP/1.1\r\n\r\n");  // kept alive
  routed(streaming, 2);
  produce(server, streaming, "again");
  CHECK(without_date(client.read_until("again\r\n")) == kTarHead + "5\r\nagain\r\n");
}

TEST_CASE("stream_from: an error before any data is sent as the whole answer") {
  Streaming streaming;
  TestServer server(stream_route(streaming));
  auto client = Client::tcp(server.port());
  client.send("GET /containers/h/files HTTP/1.1\r\n\r\n");
  routed(streaming, 1);
  server.on_loop([&] {
    Response error;
    error.status = 404;
    error.body = "{\"Type\":\"ContainerNotFoundError\"}\n";
    streaming.producer.reset();
    streaming.exchange->end_stream(error);
  });
  CHECK(without_date(client.read_response()) ==
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nDate: X\r\n"
        "Content-Length: 34\r\n\r\n{\"Type\":\"ContainerNotFoundError\"}\n");
}

TEST_CASE("stream_from: nothing produced and no error is an empty chunked 200") {
  Streaming streaming;
  TestServer server(stream_route(streaming));
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /containers/h/files HTTP/1.1\r\nConnection: close\r\n\r\n");
  routed(streaming, 1);
  server.on_loop([&] {
    streaming.producer.reset();
    streaming.exchange->end_stream(std::nullopt);
  });
  CHECK(without_date(client.read_to_eof()) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nDate: X\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n");
}

TEST_CASE("stream_from: an error after data sends the rest, then cuts the body short") {
  Streaming streaming;
  TestServer server(stream_route(streaming));
  auto client = Client::tcp(server.port());
  client.send("GET /containers/h/files HTTP/1.1\r\n\r\n");
  routed(streaming, 1);
  produce(server, streaming, "part");
  CHECK(without_date(client.read_until("part\r\n")) == kTarHead + "4\r\npart\r\n");
  server.on_loop([&] {
    CHECK(::write(streaming.producer.get(), "rest", 4) == 4);
    streaming.producer.reset();
    Response error;
    error.status = 500;
    streaming.exchange->end_stream(error);
  });
  CHECK(client.read_to_eof() == "4\r\nrest\r\n");  // and no last chunk
}

}  // namespace dmc::garden::test
