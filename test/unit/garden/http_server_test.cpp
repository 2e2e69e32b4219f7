// The server: timeouts of connections that send nothing, work off the loop
// while other requests are answered, post() from other threads.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <future>
#include <vector>

#include <doctest/doctest.h>

#include "http_fixture.hpp"
#include "support/machine.hpp"

namespace dmc::garden::test {
namespace {

Response json(std::string body) {
  Response response;
  response.body = std::move(body);
  return response;
}

}  // namespace

TEST_CASE("a connection that sends nothing is closed after the header timeout") {
  ServerConfig config;
  config.header_timeout_ms = 50;
  TestServer server([](auto exchange) { exchange->respond(json("{}\n")); }, config);
  auto silent = Client::tcp(server.port());
  CHECK(silent.closed_by_server());
  auto partial = Client::unix_socket(server.socket_path());
  partial.send("GET /ping HTTP/1.1\r\nHost: a");  // headers never finished
  CHECK(partial.closed_by_server());
}

TEST_CASE("a kept-alive connection idle past the idle timeout is closed") {
  ServerConfig config;
  config.idle_timeout_ms = 50;
  TestServer server([](auto exchange) { exchange->respond(json("{}\n")); }, config);
  auto client = Client::unix_socket(server.socket_path());
  client.send("GET /ping HTTP/1.1\r\n\r\n");
  CHECK(without_date(client.read_response()).ends_with("\r\n\r\n{}\n"));
  CHECK(client.closed_by_server());
}

TEST_CASE("pings are answered while more exchanges than libuv's pool has threads wait off the loop") {
  // Shared with the workers, which may still be leaving wait() when the test ends.
  auto latch = std::make_shared<Latch>();
  auto blocked = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<TestServer> server;
  server = std::make_unique<TestServer>([&](std::shared_ptr<Exchange> exchange) {
    if (exchange->request().segments.at(0) != "slow") return exchange->respond(json("{}\n"));
    server->server().off_loop(
        [latch, blocked] {
          ++*blocked;
          latch->wait();
        },
        [exchange] { exchange->respond(json("{\"slow\":true}\n")); });
  });
  std::vector<Client> slow;
  for (int i = 0; i < 6; ++i) {
    slow.push_back(Client::tcp(server->port()));
    slow.back().send("GET /slow HTTP/1.1\r\n\r\n");
  }
  REQUIRE(dmc::test::eventually([&] { return *blocked == 6; }));  // all six at once
  auto ping = Client::unix_socket(server->socket_path());
  ping.send("GET /ping HTTP/1.1\r\n\r\n");
  CHECK(without_date(ping.read_response()).ends_with("\r\n\r\n{}\n"));
  latch->release();
  for (auto& client : slow) {
    CHECK(without_date(client.read_response()).ends_with("\r\n\r\n{\"slow\":true}\n"));
  }
  server.reset();
}

TEST_CASE("on_gone runs when the client leaves while its exchange waits off the loop") {
  auto latch = std::make_shared<Latch>();
  std::promise<bool> gone;
  std::unique_ptr<TestServer> server;
  server = std::make_unique<TestServer>([&](std::shared_ptr<Exchange> exchange) {
    exchange->on_gone([&, exchange] { gone.set_value(exchange->gone()); });
    server->server().off_loop([latch] { latch->wait(); },
                              [exchange] { exchange->respond(json("{}\n")); });
  });
  {
    auto client = Client::tcp(server->port());
    client.send("PUT /containers/h/stop HTTP/1.1\r\n\r\n");
  }
  auto future = gone.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(future.get());
  latch->release();  // the answer then goes nowhere, harmlessly
  server.reset();
}

TEST_CASE("post() from another thread runs the function on the loop thread") {
  TestServer server([](auto exchange) { exchange->respond(json("{}\n")); });
  std::promise<std::thread::id> ran_on;
  std::thread([&] { server.server().post([&] { ran_on.set_value(std::this_thread::get_id()); }); })
      .join();
  auto future = ran_on.get_future();
  REQUIRE(future.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  CHECK(future.get() == server.loop_thread());
}

TEST_CASE("listen_unix replaces a stale socket file and sets the mode") {
  TestServer server([](auto exchange) { exchange->respond(json("{}\n")); });
  struct stat st {};
  REQUIRE(::stat(server.socket_path().c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  // A socket file left by a server that died.
  std::string stale = server.socket_path() + ".stale";
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, stale.c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  ::close(fd);
  server.on_loop([&] {
    auto again = server.server().listen_unix(stale, 0660);
    CHECK_MESSAGE(again, again.error().message);
  });
  REQUIRE(::stat(stale.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0660);
  auto client = Client::unix_socket(stale);
  client.send("GET /ping HTTP/1.1\r\n\r\n");
  CHECK(without_date(client.read_response()).ends_with("\r\n\r\n{}\n"));
}

}  // namespace dmc::garden::test
