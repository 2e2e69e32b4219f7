// The loop's side of an attachment to a process (process_tracker's
// Attachment): waits, without a thread, for the exit status the shim sends
// once the process ended and its output reached the attachment's fds.
#pragma once

#include <uv.h>

#include <functional>

#include "containerizer/containerizer.hpp"

namespace dmc::garden {

class ExitWatch {
 public:
  // done(status) once: the exit status, or an error (Unavailable: the shim
  // went away before telling; a new attachment learns what the record holds).
  ExitWatch(uv_loop_t* loop, process_tracker::Attachment attachment,
            std::function<void(Result<int>)> done);
  ~ExitWatch();
  ExitWatch(const ExitWatch&) = delete;
  ExitWatch& operator=(const ExitWatch&) = delete;

  process_tracker::Attachment& attachment() { return attachment_; }

 private:
  static void on_poll(uv_poll_t* poll, int status, int events) noexcept;
  void check();

  process_tracker::Attachment attachment_;
  std::function<void(Result<int>)> done_;
  uv_poll_t* poll_ = nullptr;  // freed in its close callback
};

// The write end of a process's stdin pipe, on the loop: writes queue in
// order and never block.
class StdinPipe {
 public:
  // The writer, and the read end to hand to the shim.
  static Result<std::pair<std::unique_ptr<StdinPipe>, UniqueFd>> make(uv_loop_t* loop);
  ~StdinPipe();
  StdinPipe(const StdinPipe&) = delete;
  StdinPipe& operator=(const StdinPipe&) = delete;

  void write(std::string data);
  // f() once every queued write has reached the pipe (or failed: the
  // process closed its stdin).
  void after_writes(std::function<void()> f);

 private:
  explicit StdinPipe(uv_pipe_t* pipe) : pipe_(pipe) {}
  static void on_written(uv_write_t* req, int status) noexcept;
  void settle();

  uv_pipe_t* pipe_;  // freed in its close callback
  size_t queued_ = 0;
  std::function<void()> drained_;
};

}  // namespace dmc::garden
