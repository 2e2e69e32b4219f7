// The benchmark's own Garden client: blocking sockets, one fresh unix-socket
// connection per request, every request written as the Garden Go client
// writes it (../shared/garden-protocol.md sections 1.2-1.5 and 4), so that
// dmcd is measured as a real client drives it. Handles and process ids go
// into paths unescaped: the benchmark's are letters, digits and '-'.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::bench {

// A response's status line and headers; header names in lowercase.
struct HttpHead {
  int status = 0;
  std::map<std::string, std::string> headers;
};

struct HttpResponse {
  HttpHead head;
  std::string body;
};

// One client connection: what was read past the last thing taken stays
// buffered, so bytes that follow a response's headers are never lost.
class Connection {
 public:
  static Result<Connection> dial(const std::string& socket_path);
  explicit Connection(UniqueFd fd) : fd_(std::move(fd)) {}

  Result<void> send(std::string_view bytes);
  // The status line and headers, up to the blank line.
  Result<HttpHead> read_head();
  // One line without its '\n'; NotFound at EOF before any byte of it.
  Result<std::string> read_line();
  // The body as the head frames it: Content-Length, chunked, or until close.
  Result<std::string> read_body(const HttpHead& head);
  // Hands over what is buffered; then reads go to the socket.
  std::string take_buffered() { return std::exchange(buffer_, {}); }
  // Up to `max` bytes into `into`: buffered ones first, otherwise one
  // read(2) straight into it. 0 at EOF.
  Result<size_t> read_into(char* into, size_t max);
  // One read(2) onto the buffer; false at EOF.
  Result<bool> fill();
  [[nodiscard]] bool has_line() const { return buffer_.find('\n') != std::string::npos; }
  [[nodiscard]] int fd() const { return fd_.get(); }
  void close() { fd_.reset(); }

 private:
  Result<std::string> read_exact(size_t n);
  Result<std::string> read_chunked();

  UniqueFd fd_;
  std::string buffer_;
};

// What Run is asked to start: path and args, as ProcessSpec's keys.
struct ProcessSpec {
  std::string path;
  std::vector<std::string> args;
};

// How an attached Run ended.
struct RunResult {
  int exit_status = -1;
  uint64_t stdout_bytes = 0;
  std::string stdout_head;  // the first bytes of stdout (up to 4 KiB)
  std::string stderr_text;  // the first bytes of stderr (up to 4 KiB)
};

// The request bytes, exactly as sent; exposed for the unit tests.
std::string plain_request(std::string_view method, std::string_view target,
                          std::string_view json_body);
std::string run_request(std::string_view handle, std::string_view json_body);
std::string stream_request(std::string_view handle, std::string_view process_id,
                           std::string_view stream_id, std::string_view which);
std::string create_body(std::string_view handle);
std::string process_body(const ProcessSpec& spec);

class GardenClient {
 public:
  explicit GardenClient(std::string socket_path) : socket_(std::move(socket_path)) {}

  // A plain exchange; any status is returned, not an error.
  Result<HttpResponse> call(std::string_view method, std::string_view target,
                            std::string_view json_body = {}) const;
  Result<void> ping() const;
  Result<void> create(std::string_view handle) const;
  Result<void> destroy(std::string_view handle) const;
  // Run, both streams attached; returns once the exit status arrived and
  // both streams reached EOF, as the Go client's Wait.
  Result<RunResult> run(std::string_view handle, const ProcessSpec& spec) const;
  // Run, then leave: reads the first message and closes the process
  // connection without attaching the streams. Returns the process id.
  Result<std::string> start(std::string_view handle, const ProcessSpec& spec) const;

 private:
  Result<Connection> open_run(std::string_view handle, const ProcessSpec& spec) const;
  Result<Connection> open_stream(std::string_view handle, std::string_view process_id,
                                 std::string_view stream_id, std::string_view which) const;

  std::string socket_;
};

}  // namespace dmc::bench
