// One end of a pipe on the loop (uv_pipe_t): the write end a request body is
// streamed into, or the read end a streamed answer comes from. Made with
// open(), ended with close(): it frees itself in its close callback, and no
// callback of its owner runs after close().
#pragma once

#include <uv.h>

#include <functional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::garden {

class PipeEnd {
 public:
  static Result<PipeEnd*> open(uv_loop_t* loop, UniqueFd fd);

  // Writing: bytes are queued in order; written(status) after each write.
  void write(std::string bytes, std::function<void(int status)> written);
  size_t queued() const { return queued_; }  // bytes given, not yet written

  // Reading: data for each piece; end(ok) at EOF, end(error) on a failure.
  // pause()/resume() stop and restart reading (backpressure).
  void read(std::function<void(std::string_view)> data, std::function<void(Result<void>)> end);
  void pause();
  void resume();

  void close();

 private:
  PipeEnd() = default;
  ~PipeEnd() = default;
  static void on_alloc(uv_handle_t* h, size_t size, uv_buf_t* buf) noexcept;
  static void on_read(uv_stream_t* s, ssize_t n, const uv_buf_t* buf) noexcept;
  static void on_closed(uv_handle_t* h) noexcept;

  uv_pipe_t pipe_{};
  size_t queued_ = 0;
  bool closing_ = false;
  bool reading_ = false;
  std::function<void(std::string_view)> data_;
  std::function<void(Result<void>)> end_;
  char buffer_[16384];
};

}  // namespace dmc::garden
