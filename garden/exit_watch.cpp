#include "garden/exit_watch.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace dmc::garden {
namespace {

template <class Handle>
void close_and_free(Handle* handle) {
  uv_close(reinterpret_cast<uv_handle_t*>(handle),
           [](uv_handle_t* h) noexcept { delete reinterpret_cast<Handle*>(h); });
}

struct WriteRequest {
  uv_write_t req;
  std::string data;
};

}  // namespace

ExitWatch::ExitWatch(uv_loop_t* loop, process_tracker::Attachment attachment,
                     std::function<void(Result<int>)> done)
    : attachment_(std::move(attachment)), done_(std::move(done)) {
  poll_ = new uv_poll_t;
  if (uv_poll_init(loop, poll_, attachment_.fd()) != 0) {
    delete poll_;
    poll_ = nullptr;
    return;
  }
  poll_->data = this;
  uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT, on_poll);
}

ExitWatch::~ExitWatch() {
  if (poll_) {
    poll_->data = nullptr;
    close_and_free(poll_);
  }
}

void ExitWatch::on_poll(uv_poll_t* poll, int, int) noexcept {
  if (auto* self = static_cast<ExitWatch*>(poll->data)) self->check();
}

void ExitWatch::check() {
  auto status = attachment_.exit_status();
  if (status && !*status) return;  // not yet
  uv_poll_stop(poll_);
  auto done = std::move(done_);
  done_ = nullptr;
  if (!done) return;
  if (!status) done(status.error());
  else done(**status);  // may destroy this
}

Result<std::pair<std::unique_ptr<StdinPipe>, UniqueFd>> StdinPipe::make(uv_loop_t* loop) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) < 0) return sys_error("stdin pipe");
  UniqueFd read_end(fds[0]);
  auto* pipe = new uv_pipe_t;
  uv_pipe_init(loop, pipe, 0);
  if (int rc = uv_pipe_open(pipe, fds[1]); rc != 0) {
    ::close(fds[1]);
    close_and_free(pipe);
    return make_error(ErrorKind::Internal, "stdin pipe: {}", uv_strerror(rc));
  }
  std::unique_ptr<StdinPipe> writer(new StdinPipe(pipe));
  pipe->data = writer.get();
  return std::pair{std::move(writer), std::move(read_end)};
}

StdinPipe::~StdinPipe() {
  pipe_->data = nullptr;
  close_and_free(pipe_);
}

void StdinPipe::write(std::string data) {
  if (data.empty()) return;
  auto* w = new WriteRequest{{}, std::move(data)};
  uv_buf_t buf = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
  if (uv_write(&w->req, reinterpret_cast<uv_stream_t*>(pipe_), &buf, 1, on_written) != 0) {
    delete w;  // the process closed its stdin: what it would not read is dropped
    return;
  }
  ++queued_;
}

void StdinPipe::on_written(uv_write_t* req, int) noexcept {
  auto* w = reinterpret_cast<WriteRequest*>(req);
  auto* self = static_cast<StdinPipe*>(req->handle->data);
  delete w;
  if (!self) return;
  --self->queued_;
  self->settle();
}

void StdinPipe::after_writes(std::function<void()> f) {
  drained_ = std::move(f);
  settle();
}

void StdinPipe::settle() {
  if (queued_ > 0 || !drained_) return;
  auto f = std::move(drained_);
  drained_ = nullptr;
  f();
}

}  // namespace dmc::garden
