#include "supervisor/net_probe.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cctype>
#include <cerrno>
#include <cstring>

namespace dmc::supervisor {
namespace {

ProbeOutcome failure(std::string message) { return {false, std::move(message)}; }

// Milliseconds left, rounded up; 0 once the deadline passed.
int left_ms(Deadline deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline -
                                                           std::chrono::steady_clock::now());
  return left.count() > 0 ? static_cast<int>(left.count()) : 0;
}

// Waits for events on fd until the deadline: false when it passed.
bool wait_for(int fd, short events, Deadline deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, left_ms(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return true;  // let the next call report it
  }
}

// Go's wording of an errno: strerror's, lowercase ("connection refused").
std::string go_error(int err) {
  std::string text = std::strerror(err);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// Connects the target's socket: empty on success, else Go's wording after
// "dial tcp HOST:PORT: " ("connect: connection refused", "i/o timeout").
std::string dial(int fd, const std::string& host, int port, Deadline deadline) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) return "invalid address";
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return "";
  if (errno != EINPROGRESS) return fmt::format("connect: {}", go_error(errno));
  if (!wait_for(fd, POLLOUT, deadline)) return "i/o timeout";
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
  return err == 0 ? "" : fmt::format("connect: {}", go_error(err));
}

Result<UniqueFd> connected(ProbeTarget& target, const std::string& host, int port,
                           Deadline deadline) {
  DMC_TRY(fd, target.tcp_socket());
  std::string error = dial(fd.get(), host, port, deadline);
  if (!error.empty()) {
    return make_error(ErrorKind::Unavailable, "dial tcp {}:{}: {}", host, port, error);
  }
  return fd;
}

std::string request(const HttpGetAction& http) {
  std::string text = fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: kube-probe/dmc\r\nAccept: */*\r\n"
      "Connection: close\r\n",
      http.path, http.host, http.port);
  for (const auto& h : http.headers) text += fmt::format("{}: {}\r\n", h.name, h.value);
  return text + "\r\n";
}

bool send_all(int fd, std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    if (!wait_for(fd, POLLOUT, deadline)) return false;
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
    if (n > 0) data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// The status line, read until its CRLF; nullopt on timeout, "" on EOF/error.
std::optional<std::string> status_line(int fd, Deadline deadline) {
  std::string got;
  char buffer[512];
  while (got.find("\r\n") == std::string::npos && got.size() < 8192) {
    if (!wait_for(fd, POLLIN, deadline)) return std::nullopt;
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) return std::string();
    got.append(buffer, static_cast<size_t>(n));
  }
  return got.substr(0, got.find("\r\n"));
}

// "HTTP/1.1 200 OK" -> 200; -1 when it is no status line.
int status_code(const std::string& line) {
  if (!line.starts_with("HTTP/") || line.size() < 12 || line[8] != ' ') return -1;
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') return -1;
    code = code * 10 + (line[i] - '0');
  }
  return code;
}

}  // namespace

ProbeOutcome probe_tcp(const TcpSocketAction& tcp, ProbeTarget& target, Deadline deadline) {
  auto fd = connected(target, tcp.host, tcp.port, deadline);
  if (!fd) return failure(fd.error().message);
  return {true, ""};
}

ProbeOutcome probe_http(const HttpGetAction& http, ProbeTarget& target, Deadline deadline) {
  const std::string url = fmt::format("http://{}:{}{}", http.host, http.port, http.path);
  auto fd = connected(target, http.host, http.port, deadline);
  if (!fd) return failure(fmt::format("Get \"{}\": {}", url, fd.error().message));
  const auto timed_out = fmt::format(
      "Get \"{}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
      url);
  if (!send_all(fd->get(), request(http), deadline)) return failure(timed_out);
  auto line = status_line(fd->get(), deadline);
  if (!line) return failure(timed_out);
  if (line->empty()) return failure(fmt::format("Get \"{}\": EOF", url));
  const int code = status_code(*line);
  if (code < 0) return failure(fmt::format("Get \"{}\": malformed HTTP response", url));
  if (code >= 200 && code < 400) return {true, ""};
  return failure(fmt::format("HTTP probe failed with statuscode: {}", code));
}

}  // namespace dmc::supervisor
