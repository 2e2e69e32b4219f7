// Exchange::on_answer, what dmcd's request metrics count: the status of a
// plain answer, of the 500 sent for an exchange dropped unanswered, of a
// streamed answer, of a hijack; once per request.
#include <fcntl.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include <doctest/doctest.h>

#include "http_fixture.hpp"
#include "support/machine.hpp"

namespace dmc::garden::test {
namespace {

// The statuses reported, from the loop thread, read by the test.
struct Reported {
  std::mutex mutex;
  std::vector<int> statuses;
  std::function<void(int)> hook() {
    return [this](int status) {
      std::lock_guard lock(mutex);
      statuses.push_back(status);
    };
  }
  std::vector<int> get() {
    std::lock_guard lock(mutex);
    return statuses;
  }
};

const std::string kGet = "GET /x HTTP/1.1\r\nHost: api\r\n\r\n";

TEST_CASE("a plain answer reports its status once per request, on a kept-alive connection too") {
  Reported reported;
  int next = 404;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    exchange->on_answer(reported.hook());
    exchange->respond(Response{.status = next++, .body = "{}\n", .headers = {}});
    exchange->respond(Response{.status = 599, .body = "{}\n", .headers = {}});  // a no-op: one answer only
  });
  auto client = Client::tcp(server.port());
  client.send(kGet);
  CHECK(client.read_response().starts_with("HTTP/1.1 404"));
  client.send(kGet);
  CHECK(client.read_response().starts_with("HTTP/1.1 405"));
  CHECK(reported.get() == std::vector<int>{404, 405});
}

TEST_CASE("an exchange dropped unanswered reports the 500 sent for it") {
  Reported reported;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    exchange->on_answer(reported.hook());
  });
  auto client = Client::unix_socket(server.socket_path());
  client.send(kGet);
  CHECK(client.read_response().starts_with("HTTP/1.1 500"));
  CHECK(reported.get() == std::vector<int>{500});
}

TEST_CASE("a streamed answer reports 200 when it starts") {
  Reported reported;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    exchange->on_answer(reported.hook());
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    REQUIRE(::write(fds[1], "abc", 3) == 3);
    ::close(fds[1]);
    exchange->stream_from(UniqueFd(fds[0]), "application/x-tar");
    exchange->end_stream(std::nullopt);
  });
  auto client = Client::tcp(server.port());
  client.send(kGet);
  CHECK(client.read_response().starts_with("HTTP/1.1 200"));
  CHECK(reported.get() == std::vector<int>{200});
}

TEST_CASE("a hijack reports its status once, when the head is written") {
  Reported reported;
  std::shared_ptr<Hijacked> held;
  TestServer server([&](std::shared_ptr<Exchange> exchange) {
    exchange->on_answer(reported.hook());
    held = exchange->hijack(201, "application/json");
    held->write("raw\n");
  });
  auto client = Client::tcp(server.port());
  client.send("POST /containers/h/processes HTTP/1.1\r\nHost: api\r\n\r\n");
  CHECK(client.read_until("raw\n").starts_with("HTTP/1.1 201"));
  CHECK(reported.get() == std::vector<int>{201});
  server.on_loop([&] { held.reset(); });
  CHECK(reported.get() == std::vector<int>{201});
}

}  // namespace
}  // namespace dmc::garden::test
