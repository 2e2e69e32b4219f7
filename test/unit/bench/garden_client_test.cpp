// The benchmark's Garden client against a scripted fake server on a unix
// socket: the exact request bytes it sends, each response framing it must
// read, and the hijacked Run with its two stream connections.
#include <doctest/doctest.h>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "bench/garden_client.hpp"
#include "common/fs.hpp"
#include "common/unique_fd.hpp"
#include "support/temp_dir.hpp"

using namespace dmc;
using namespace dmc::bench;

namespace {

// One accepted connection of the script: what the server writes as soon as
// the request is in, and what it writes once every connection of the
// script was accepted (then it closes). A connection with no late bytes and
// `hold` unset is closed right after its reply.
struct Step {
  Step(std::string r, std::string l = {}, bool h = false)
      : reply(std::move(r)), late(std::move(l)), hold(h) {}
  std::string reply;
  std::string late;
  bool hold;
};

std::string read_request(int fd) {
  std::string in;
  char buf[4096];
  size_t end;
  while ((end = in.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) return in;
    in.append(buf, static_cast<size_t>(n));
  }
  size_t length = 0;
  if (size_t at = in.find("Content-Length: "); at != std::string::npos && at < end) {
    length = std::stoul(in.substr(at + 16));
  }
  while (in.size() < end + 4 + length) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    in.append(buf, static_cast<size_t>(n));
  }
  return in;
}

class FakeGarden {
 public:
  explicit FakeGarden(std::vector<Step> script) : socket_(dir_ / "garden.sock") {
    listener_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, socket_.data(), socket_.size());
    REQUIRE(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    REQUIRE(::listen(listener_.get(), 8) == 0);
    thread_ = std::thread([this, script = std::move(script)] { serve(script); });
  }
  ~FakeGarden() {
    if (thread_.joinable()) thread_.join();
  }

  [[nodiscard]] const std::string& socket() const { return socket_; }
  // The requests as received, in accept order; read after the client is done.
  std::vector<std::string> requests() {
    if (thread_.joinable()) thread_.join();
    return requests_;
  }

 private:
  void serve(const std::vector<Step>& script) {
    std::vector<UniqueFd> held;
    std::vector<const Step*> held_steps;
    for (const Step& step : script) {
      UniqueFd conn(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!conn) return;
      requests_.push_back(read_request(conn.get()));
      (void)write_all(conn.get(), step.reply);
      if (step.hold || !step.late.empty()) {
        held.push_back(std::move(conn));
        held_steps.push_back(&step);
      }
    }
    for (size_t i = 0; i < held.size(); ++i) (void)write_all(held[i].get(), held_steps[i]->late);
  }

  test::TempDir dir_;
  std::string socket_;
  UniqueFd listener_;
  std::vector<std::string> requests_;
  std::thread thread_;
};

const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n{}\n";
const std::string kHijack = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

}  // namespace

TEST_CASE("create sends the Go client's request, byte for byte") {
  FakeGarden server({Step(kOk)});
  REQUIRE(GardenClient(server.socket()).create("web-1"));
  std::string body =
      R"({"handle":"web-1","image":{},"limits":{"bandwidth_limits":{},"cpu_limits":{},)"
      R"("disk_limits":{},"memory_limits":{},"pid_limits":{}}})"
      "\n";
  CHECK(server.requests().at(0) ==
        "POST /containers HTTP/1.1\r\nHost: api\r\nUser-Agent: Go-http-client/1.1\r\n"
        "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nAccept-Encoding: gzip\r\n\r\n" + body);
}

TEST_CASE("destroy is a DELETE without a body") {
  FakeGarden server({Step(kOk)});
  REQUIRE(GardenClient(server.socket()).destroy("web-1"));
  CHECK(server.requests().at(0) ==
        "DELETE /containers/web-1 HTTP/1.1\r\nHost: api\r\nUser-Agent: Go-http-client/1.1\r\n"
        "Connection: close\r\nAccept-Encoding: gzip\r\n\r\n");
}

TEST_CASE("plain bodies are read whether chunked, sized or ended by the close") {
  FakeGarden server({
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n"
                "4;x=y\r\n\":1}\r\n0\r\n\r\n"},
      {"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n\r\n{\"b\":2}\n"},
      {"HTTP/1.1 200 OK\r\n\r\n{\"c\":3}\n"},
  });
  GardenClient client(server.socket());
  auto chunked = client.call("GET", "/a");
  auto sized = client.call("GET", "/b");
  auto closed = client.call("GET", "/c");
  REQUIRE(chunked);
  REQUIRE(sized);
  REQUIRE(closed);
  CHECK(chunked->body == "{\"a\":1}");
  CHECK(sized->body == "{\"b\":2}\n");
  CHECK(closed->body == "{\"c\":3}\n");
}

TEST_CASE("an error status is an error that shows the response body") {
  std::string error = R"({"Type":"","Message":"handle already exists: web-1","Handle":"","ProcessID":"","Binary":""})";
  FakeGarden server({Step("HTTP/1.1 500 Internal Server Error\r\nContent-Length: " +
                               std::to_string(error.size()) + "\r\n\r\n" + error)});
  auto created = GardenClient(server.socket()).create("web-1");
  REQUIRE_FALSE(created);
  CHECK(created.error().message.find("status 500") != std::string::npos);
  CHECK(created.error().message.find("handle already exists: web-1") != std::string::npos);
}

TEST_CASE("run reads the first message, both streams to EOF and the exit status") {
  // The first message and some output arrive in the same write as the
  // headers: the client must keep them.
  FakeGarden server({
      {"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: "
                "chunked\r\n\r\n{\"process_id\":\"p1\",\"stream_id\":\"17\"}\n",
       "{\"process_id\":\"p1\",\"exit_status\":3}\n"},
      {kHijack + "hello ", "world\n"},
      {kHijack + "oops\n"},
  });
  auto run = GardenClient(server.socket()).run("web-1", {.path = "sh", .args = {"-c", "exit 3"}});
  REQUIRE(run);
  CHECK(run->exit_status == 3);
  CHECK(run->stdout_bytes == 12);
  CHECK(run->stdout_head == "hello world\n");
  CHECK(run->stderr_text == "oops\n");
  auto requests = server.requests();
  std::string body = R"({"path":"sh","args":["-c","exit 3"],"rlimits":{},"image":{}})" "\n";
  CHECK(requests.at(0) ==
        "POST /containers/web-1/processes HTTP/1.1\r\nHost: api\r\nUser-Agent: "
        "Go-http-client/1.1\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\nContent-Type: application/json\r\n\r\n" + body);
  CHECK(requests.at(1) ==
        "GET /containers/web-1/processes/p1/attaches/17/stdout HTTP/1.1\r\nHost: api\r\n"
        "User-Agent: Go-http-client/1.1\r\nContent-Type: application/json\r\n\r\n");
  CHECK(requests.at(2).starts_with("GET /containers/web-1/processes/p1/attaches/17/stderr "));
}

TEST_CASE("run fails when the process connection ends without an exit status") {
  FakeGarden server({
      {"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                "{\"process_id\":\"p1\",\"stream_id\":\"1\"}\n", "", true},
      {kHijack},
      {kHijack},
  });
  auto run = GardenClient(server.socket()).run("web-1", {.path = "/bin/true", .args = {}});
  REQUIRE_FALSE(run);
  CHECK(run.error().message.find("closed before the exit status") != std::string::npos);
}

TEST_CASE("a process error message is an error, not an exit status") {
  FakeGarden server({
      {"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                "{\"process_id\":\"p1\",\"stream_id\":\"1\"}\n",
       "{\"process_id\":\"p1\",\"error\":\"shim lost\"}\n"},
      {kHijack},
      {kHijack},
  });
  auto run = GardenClient(server.socket()).run("web-1", {.path = "/bin/true", .args = {}});
  REQUIRE_FALSE(run);
  CHECK(run.error().message.find("process error: shim lost") != std::string::npos);
}

TEST_CASE("a refused run is an error with the server's body") {
  std::string error = R"({"Type":"ContainerNotFoundError","Message":"unknown handle: x","Handle":"x","ProcessID":"","Binary":""})";
  FakeGarden server({Step("HTTP/1.1 404 Not Found\r\nContent-Length: " +
                               std::to_string(error.size()) + "\r\n\r\n" + error)});
  auto run = GardenClient(server.socket()).run("x", {.path = "/bin/true", .args = {}});
  REQUIRE_FALSE(run);
  CHECK(run.error().message.find("status 404") != std::string::npos);
  CHECK(run.error().message.find("ContainerNotFoundError") != std::string::npos);
}

TEST_CASE("start returns the process id and leaves the streams alone") {
  FakeGarden server({{"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "{\"process_id\":\"p9\",\"stream_id\":\"4\"}\n", "", true}});
  auto id = GardenClient(server.socket()).start("web-1", {.path = "/bin/sleep", .args = {"1000"}});
  REQUIRE(id);
  CHECK(*id == "p9");
  CHECK(server.requests().size() == 1);
}
