// Hijacked exchanges (Garden's Run, Attach, Stdout, Stderr): the exact head,
// raw bytes both ways, bytes that came with the request first, finish(),
// the socket handed on, and no timeout.
#include <sys/socket.h>
#include <unistd.h>

#include <future>

#include <doctest/doctest.h>

#include "http_fixture.hpp"

namespace dmc::garden::test {
namespace {

const std::string kRunHead =
    "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nDate: X\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";
const std::string kStreamHead =
    "HTTP/1.1 200 OK\r\nDate: X\r\nTransfer-Encoding: chunked\r\n\r\n";

// A Run-like route: reads the JSON body, hijacks, answers each line it reads
// with "got <line>", and on "bye" sends "exit" and finishes.
struct EchoRoute {
  std::shared_ptr<Hijacked> held;
  std::string input;
  std::promise<void> closed;

  void operator()(std::shared_ptr<Exchange> exchange) {
    exchange->read_body(1024, [this, exchange](Result<std::string> body) {
      REQUIRE(body);
      held = exchange->hijack(201, "application/json");
      held->write("{\"spec\":" + std::to_string(body->size()) + "}\n");
      held->on_close([this] { closed.set_value(); });
      held->on_read([this](std::string_view data) { take(data); }, [] {});
    });
  }

  void take(std::string_view data) {
    input.append(data);
    for (size_t end; (end = input.find('\n')) != std::string::npos; input.erase(0, end + 1)) {
      std::string line = input.substr(0, end);
      held->write("got " + line + "\n");
      if (line == "bye") {
        held->write("exit\n");
        held->finish();
      }
    }
  }
};

}  // namespace

TEST_CASE("a hijacked exchange: exact head, bytes after the request first, writes, finish") {
  EchoRoute route;
  TestServer server(std::ref(route));
  auto client = Client::tcp(server.port());
  // The request, its body and the first raw lines in one packet.
  client.send(
      "POST /containers/h/processes HTTP/1.1\r\nHost: api\r\nContent-Length: 8\r\n"
      "Content-Type: application/json\r\n\r\n{\"a\":1}\nfirst\nsec");
  CHECK(without_date(client.read_until("\r\n\r\n")) == kRunHead);
  CHECK(client.read_until("got first\n") == "{\"spec\":8}\ngot first\n");
  client.send("ond\nbye\n");
  CHECK(client.read_until("exit\n") == "got second\ngot bye\nexit\n");
  CHECK(client.closed_by_server());  // shut down for writing: EOF, no reset
  client.shutdown_write();
  route.closed.get_future().get();   // then the server closes its side
}

TEST_CASE("a hijacked GET with no Content-Type: the head has none, and its socket can be handed on") {
  std::promise<int> socket_fd;
  std::shared_ptr<Hijacked> held;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    held = exchange->hijack(200, "");
    // The head is on the socket already: another writer may follow at once.
    int copy = ::dup(held->fd());
    CHECK(::write(copy, "from elsewhere", 14) == 14);
    ::close(copy);
    socket_fd.set_value(held->fd());
    held->write(" and from the loop");
    held->finish();
  });
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /containers/h/processes/p/attaches/1/stdout HTTP/1.1\r\n"
              "Content-Type: application/json\r\n\r\n");
  CHECK(without_date(client.read_until("\r\n\r\n")) == kStreamHead);
  CHECK(client.read_until("loop") == "from elsewhere and from the loop");
  CHECK(socket_fd.get_future().get() >= 0);
  CHECK(client.closed_by_server());
}

TEST_CASE("a hijacked connection never times out, and its end reaches on_read's end callback") {
  ServerConfig config;
  config.header_timeout_ms = 20;
  config.idle_timeout_ms = 20;
  std::shared_ptr<Hijacked> held;
  std::promise<void> ended;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    held = exchange->hijack(200, "");
    held->on_read([&](std::string_view data) { held->write(std::string(data)); },
                  [&] { ended.set_value(); });
  }, config);
  auto client = Client::tcp(server.port());
  client.send("GET /attach HTTP/1.1\r\n\r\n");
  client.read_until("\r\n\r\n");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // ten timeouts long
  client.send("still here");
  CHECK(client.read_until("here") == "still here");
  client.shutdown_write();
  ended.get_future().get();
  server.on_loop([&] { held->close(); });
  CHECK(client.closed_by_server());
}

TEST_CASE("a hijack route's error answer has Content-Length and no Connection: close") {
  TestServer server([](std::shared_ptr<Exchange> exchange) {
    Response response;
    response.status = 404;
    response.body = "{\"Type\":\"ProcessNotFoundError\"}\n";
    exchange->respond(std::move(response));
  });
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /containers/h/processes/nope HTTP/1.1\r\nHost: api\r\n\r\n");
  CHECK(without_date(client.read_response()) ==
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nDate: X\r\n"
        "Content-Length: 32\r\n\r\n{\"Type\":\"ProcessNotFoundError\"}\n");
}

}  // namespace dmc::garden::test
