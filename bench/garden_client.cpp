// The connection, the request bytes and the plain exchanges of the
// benchmark's Garden client.
#include "bench/garden_client.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "common/fs.hpp"
#include "common/json.hpp"

namespace dmc::bench {

namespace {

constexpr size_t kReadSize = 64 * 1024;
constexpr size_t kMaxHead = 64 * 1024;

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

Result<int> parse_status_line(std::string_view line) {
  // "HTTP/1.1 201 Created"
  if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ') {
    return make_error(ErrorKind::Internal, "bad status line: {}", line);
  }
  int status = 0;
  auto [end, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (ec != std::errc{} || end != line.data() + 12) {
    return make_error(ErrorKind::Internal, "bad status line: {}", line);
  }
  return status;
}

Result<HttpHead> parse_head(std::string_view text) {
  size_t eol = text.find("\r\n");
  DMC_TRY(status, parse_status_line(text.substr(0, eol)));
  HttpHead head;
  head.status = status;
  while (eol != std::string_view::npos && eol + 2 < text.size()) {
    size_t start = eol + 2;
    eol = text.find("\r\n", start);
    std::string_view line = text.substr(start, eol - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return make_error(ErrorKind::Internal, "bad header line: {}", line);
    }
    head.headers[lowercase(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  }
  return head;
}

}  // namespace

std::string plain_request(std::string_view method, std::string_view target,
                          std::string_view json_body) {
  std::string out = fmt::format("{} {} HTTP/1.1\r\nHost: api\r\nUser-Agent: Go-http-client/1.1\r\n",
                                method, target);
  if (!json_body.empty()) out += fmt::format("Content-Length: {}\r\n", json_body.size() + 1);
  out += "Connection: close\r\n";
  if (!json_body.empty()) out += "Content-Type: application/json\r\n";
  out += "Accept-Encoding: gzip\r\n\r\n";
  if (!json_body.empty()) out += fmt::format("{}\n", json_body);
  return out;
}

std::string run_request(std::string_view handle, std::string_view json_body) {
  return fmt::format(
      "POST /containers/{}/processes HTTP/1.1\r\nHost: api\r\nUser-Agent: Go-http-client/1.1\r\n"
      "Content-Length: {}\r\nContent-Type: application/json\r\n\r\n{}\n",
      handle, json_body.size() + 1, json_body);
}

std::string stream_request(std::string_view handle, std::string_view process_id,
                           std::string_view stream_id, std::string_view which) {
  return fmt::format(
      "GET /containers/{}/processes/{}/attaches/{}/{} HTTP/1.1\r\nHost: api\r\n"
      "User-Agent: Go-http-client/1.1\r\nContent-Type: application/json\r\n\r\n",
      handle, process_id, stream_id, which);
}

std::string create_body(std::string_view handle) {
  return fmt::format(
      R"({{"handle":{},"image":{{}},"limits":{{"bandwidth_limits":{{}},"cpu_limits":{{}},)"
      R"("disk_limits":{{}},"memory_limits":{{}},"pid_limits":{{}}}}}})",
      json::quote(handle));
}

std::string process_body(const ProcessSpec& spec) {
  std::string out = fmt::format(R"({{"path":{})", json::quote(spec.path));
  if (!spec.args.empty()) {
    out += R"(,"args":[)";
    for (size_t i = 0; i < spec.args.size(); ++i) {
      out += (i ? "," : "") + json::quote(spec.args[i]);
    }
    out += "]";
  }
  return out + R"(,"rlimits":{},"image":{}})";
}

Result<Connection> Connection::dial(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path)) {
    return make_error(ErrorKind::Invalid, "socket path too long: {}", socket_path);
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return sys_error("socket");
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return sys_error(fmt::format("connect {}", socket_path));
  }
  return Connection(std::move(fd));
}

Result<void> Connection::send(std::string_view bytes) { return write_all(fd_.get(), bytes); }

Result<bool> Connection::fill() {
  char chunk[kReadSize];
  for (;;) {
    ssize_t n = ::read(fd_.get(), chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read");
    buffer_.append(chunk, static_cast<size_t>(n));
    return n > 0;
  }
}

Result<HttpHead> Connection::read_head() {
  size_t end;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (buffer_.size() > kMaxHead) return make_error(ErrorKind::Internal, "response head too long");
    DMC_TRY(more, fill());
    if (!more) {
      return make_error(ErrorKind::Internal, "connection closed before the response head ended "
                        "(got {})", json::quote(buffer_));
    }
  }
  DMC_TRY(head, parse_head(std::string_view(buffer_).substr(0, end + 2)));
  buffer_.erase(0, end + 4);
  return head;
}

Result<std::string> Connection::read_line() {
  size_t eol;
  while ((eol = buffer_.find('\n')) == std::string::npos) {
    DMC_TRY(more, fill());
    if (more) continue;
    if (buffer_.empty()) return make_error(ErrorKind::NotFound, "connection closed");
    return make_error(ErrorKind::Internal, "connection closed inside a line: {}",
                      json::quote(buffer_));
  }
  std::string line = buffer_.substr(0, eol);
  buffer_.erase(0, eol + 1);
  return line;
}

Result<size_t> Connection::read_into(char* into, size_t max) {
  if (!buffer_.empty()) {
    size_t n = std::min(max, buffer_.size());
    std::memcpy(into, buffer_.data(), n);
    buffer_.erase(0, n);
    return n;
  }
  for (;;) {
    ssize_t n = ::read(fd_.get(), into, max);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("read");
    return static_cast<size_t>(n);
  }
}

Result<std::string> Connection::read_exact(size_t n) {
  while (buffer_.size() < n) {
    DMC_TRY(more, fill());
    if (!more) {
      return make_error(ErrorKind::Internal, "connection closed after {} of {} body bytes",
                        buffer_.size(), n);
    }
  }
  std::string out = buffer_.substr(0, n);
  buffer_.erase(0, n);
  return out;
}

Result<std::string> Connection::read_chunked() {
  std::string body;
  for (;;) {
    DMC_TRY(size_line, read_line());
    size_t size = 0;
    std::string_view digits = trim(size_line.substr(0, size_line.find(';')));
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size, 16);
    if (ec != std::errc{} || end != digits.data() + digits.size()) {
      return make_error(ErrorKind::Internal, "bad chunk size line: {}", json::quote(size_line));
    }
    if (size == 0) break;
    DMC_TRY(chunk, read_exact(size + 2));  // the data and its CRLF
    body.append(chunk, 0, size);
  }
  for (;;) {  // trailers, up to the empty line
    DMC_TRY(line, read_line());
    if (trim(line).empty()) return body;
  }
}

Result<std::string> Connection::read_body(const HttpHead& head) {
  if (auto te = head.headers.find("transfer-encoding");
      te != head.headers.end() && lowercase(te->second) == "chunked") {
    return read_chunked();
  }
  if (auto cl = head.headers.find("content-length"); cl != head.headers.end()) {
    size_t n = 0;
    auto [end, ec] = std::from_chars(cl->second.data(), cl->second.data() + cl->second.size(), n);
    if (ec != std::errc{} || end != cl->second.data() + cl->second.size()) {
      return make_error(ErrorKind::Internal, "bad content-length: {}", cl->second);
    }
    return read_exact(n);
  }
  for (;;) {  // close-delimited
    DMC_TRY(more, fill());
    if (!more) return take_buffered();
  }
}

Result<HttpResponse> GardenClient::call(std::string_view method, std::string_view target,
                                        std::string_view json_body) const {
  DMC_TRY(conn, Connection::dial(socket_));
  DMC_CHECK(conn.send(plain_request(method, target, json_body)));
  DMC_TRY(head, conn.read_head());
  DMC_TRY(body, conn.read_body(head));
  return HttpResponse{std::move(head), std::move(body)};
}

namespace {

// A 2xx, or an error that shows the response as it came.
Result<void> expect_2xx(const Result<HttpResponse>& response, std::string_view what) {
  if (!response) return response.error().wrap(what);
  if (response->head.status / 100 == 2) return {};
  return make_error(ErrorKind::Internal, "{}: status {}: {}", what, response->head.status,
                    json::quote(response->body));
}

}  // namespace

Result<void> GardenClient::ping() const { return expect_2xx(call("GET", "/ping"), "ping"); }

Result<void> GardenClient::create(std::string_view handle) const {
  return expect_2xx(call("POST", "/containers", create_body(handle)),
                    fmt::format("create {}", handle));
}

Result<void> GardenClient::destroy(std::string_view handle) const {
  return expect_2xx(call("DELETE", fmt::format("/containers/{}", handle)),
                    fmt::format("destroy {}", handle));
}

}  // namespace dmc::bench
