// Run with the hijack protocol: the process connection, the stdout and
// stderr stream connections, and the wait for the exit status and both EOFs.
#include <poll.h>

#include <algorithm>
#include <array>
#include <optional>
#include <vector>

#include <fmt/format.h>

#include "bench/garden_client.hpp"
#include "common/json.hpp"

namespace dmc::bench {

namespace {

constexpr size_t kKeep = 4096;      // bytes of each stream kept for a report
constexpr size_t kReadSize = 64 * 1024;

// The response head of a hijacked route: 2xx, or an error with the body.
Result<void> hijacked_head(Connection& conn, std::string_view what) {
  DMC_TRY(head, conn.read_head());
  if (head.status / 100 == 2) return {};
  auto body = conn.read_body(head);
  return make_error(ErrorKind::Internal, "{}: status {}: {}", what, head.status,
                    json::quote(body ? *body : body.error().message));
}

struct FirstMessage {
  std::string process_id;
  std::string stream_id;
};

Result<FirstMessage> first_message(Connection& conn) {
  DMC_TRY(line, conn.read_line());
  DMC_TRY(doc, json::parse(line, "run's first message"));
  if (!doc.IsObject()) return make_error(ErrorKind::Internal, "run's first message: {}", line);
  DMC_TRY(pid, json::get_string(doc, "process_id"));
  DMC_TRY(sid, json::get_string(doc, "stream_id"));
  return FirstMessage{std::move(pid), std::move(sid)};
}

// One line of the process connection: the exit status when it carries one.
Result<std::optional<int>> exit_of(std::string_view line) {
  DMC_TRY(doc, json::parse(line, "a process message"));
  if (!doc.IsObject()) return make_error(ErrorKind::Internal, "a process message: {}", line);
  DMC_TRY(error, json::get_optional_string(doc, "error"));
  if (error) return make_error(ErrorKind::Internal, "process error: {}", *error);
  DMC_TRY(status, json::get_optional_int64(doc, "exit_status"));
  if (!status) return std::optional<int>{};
  return std::optional<int>{static_cast<int>(*status)};
}

// The three connections of an attached Run, read side by side until the
// exit status has come and both streams have ended.
class Waiter {
 public:
  Waiter(Connection& process, Connection& out, Connection& err)
      : conns_{&process, &out, &err} {}

  Result<RunResult> wait() {
    DMC_CHECK(drain_lines());  // lines already buffered behind the first
    while (!exit_ || open_[1] || open_[2]) {
      std::array<pollfd, 3> fds{};
      for (size_t i = 0; i < 3; ++i) fds[i] = {watching(i) ? conns_[i]->fd() : -1, POLLIN, 0};
      if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return sys_error("poll");
      for (size_t i = 0; i < 3; ++i) {
        if (fds[i].revents != 0) DMC_CHECK(step(i));
      }
    }
    result_.exit_status = *exit_;
    return result_;
  }

 private:
  bool watching(size_t i) const { return i == 0 ? !exit_.has_value() : open_[i]; }

  Result<void> step(size_t i) { return i == 0 ? read_process() : read_stream(i); }

  Result<void> read_process() {
    DMC_TRY(more, conns_[0]->fill());
    if (!more) {
      return make_error(ErrorKind::Internal, "the process connection closed before the exit status");
    }
    return drain_lines();
  }

  Result<void> drain_lines() {
    while (!exit_ && conns_[0]->has_line()) {
      DMC_TRY(line, conns_[0]->read_line());
      DMC_TRY(status, exit_of(line));
      exit_ = status;
    }
    return {};
  }

  Result<void> read_stream(size_t i) {
    DMC_TRY(n, conns_[i]->read_into(chunk_.data(), chunk_.size()));
    if (n == 0) {
      open_[i] = false;
      conns_[i]->close();
      return {};
    }
    std::string& keep = i == 1 ? result_.stdout_head : result_.stderr_text;
    if (keep.size() < kKeep) keep.append(chunk_.data(), std::min(n, kKeep - keep.size()));
    if (i == 1) result_.stdout_bytes += n;
    return {};
  }

  std::array<Connection*, 3> conns_;
  std::array<bool, 3> open_{true, true, true};
  std::optional<int> exit_;
  RunResult result_;
  std::vector<char> chunk_ = std::vector<char>(kReadSize);
};

}  // namespace

Result<Connection> GardenClient::open_run(std::string_view handle, const ProcessSpec& spec) const {
  DMC_TRY(conn, Connection::dial(socket_));
  DMC_CHECK(conn.send(run_request(handle, process_body(spec))));
  DMC_CHECK(hijacked_head(conn, fmt::format("run in {}", handle)));
  return conn;
}

Result<Connection> GardenClient::open_stream(std::string_view handle, std::string_view process_id,
                                             std::string_view stream_id,
                                             std::string_view which) const {
  DMC_TRY(conn, Connection::dial(socket_));
  DMC_CHECK(conn.send(stream_request(handle, process_id, stream_id, which)));
  DMC_CHECK(hijacked_head(conn, fmt::format("{} of process {} in {}", which, process_id, handle)));
  return conn;
}

Result<RunResult> GardenClient::run(std::string_view handle, const ProcessSpec& spec) const {
  DMC_TRY(process, open_run(handle, spec));
  DMC_TRY(first, first_message(process));
  DMC_TRY(out, open_stream(handle, first.process_id, first.stream_id, "stdout"));
  DMC_TRY(err, open_stream(handle, first.process_id, first.stream_id, "stderr"));
  auto result = Waiter(process, out, err).wait();
  if (!result) return result.error().wrap(fmt::format("process {} in {}", first.process_id, handle));
  return result;
}

Result<std::string> GardenClient::start(std::string_view handle, const ProcessSpec& spec) const {
  DMC_TRY(process, open_run(handle, spec));
  DMC_TRY(first, first_message(process));
  return first.process_id;
}

}  // namespace dmc::bench
