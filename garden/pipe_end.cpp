#include "garden/pipe_end.hpp"

#include "garden/uv_util.hpp"

namespace dmc::garden {

Result<PipeEnd*> PipeEnd::open(uv_loop_t* loop, UniqueFd fd) {
  auto* end = new PipeEnd();
  uv_pipe_init(loop, &end->pipe_, 0);
  end->pipe_.data = end;
  int rc = uv_pipe_open(&end->pipe_, fd.get());
  if (rc != 0) {
    end->close();  // fd stays with the UniqueFd, which closes it
    return uv_error("open pipe", rc);
  }
  fd.release();  // the handle closes it
  return end;
}

void PipeEnd::write(std::string bytes, std::function<void(int)> written) {
  if (closing_) return;
  size_t size = bytes.size();
  queued_ += size;
  write_bytes(as_stream(&pipe_), std::move(bytes), [this, size, written](int status) {
    queued_ -= size;
    if (!closing_ && written) written(status);
  });
}

void PipeEnd::read(std::function<void(std::string_view)> data,
                   std::function<void(Result<void>)> end) {
  data_ = std::move(data);
  end_ = std::move(end);
  resume();
}

void PipeEnd::pause() {
  if (!reading_ || closing_) return;
  uv_read_stop(as_stream(&pipe_));
  reading_ = false;
}

void PipeEnd::resume() {
  if (reading_ || closing_ || !end_) return;  // (end_ is null once it ran)
  int rc = uv_read_start(as_stream(&pipe_), on_alloc, on_read);
  if (rc == 0) {
    reading_ = true;
    return;
  }
  auto end = std::move(end_);
  end(uv_error("read pipe", rc));
}

void PipeEnd::close() {
  if (closing_) return;
  closing_ = true;  // data_ and end_ stay: one of them may be running now
  uv_close(as_handle(&pipe_), on_closed);
}

void PipeEnd::on_alloc(uv_handle_t* h, size_t, uv_buf_t* buf) noexcept {
  auto* self = static_cast<PipeEnd*>(h->data);
  *buf = uv_buf_init(self->buffer_, sizeof(self->buffer_));
}

void PipeEnd::on_read(uv_stream_t* s, ssize_t n, const uv_buf_t*) noexcept {
  auto* self = static_cast<PipeEnd*>(s->data);
  if (n > 0 && self->data_ && !self->closing_) self->data_(std::string_view(self->buffer_, static_cast<size_t>(n)));
  if (n >= 0 || self->closing_) return;
  self->pause();
  auto end = std::move(self->end_);
  if (!end) return;
  if (n == UV_EOF) {
    end({});
  } else {
    end(uv_error("read pipe", static_cast<int>(n)));
  }
}

void PipeEnd::on_closed(uv_handle_t* h) noexcept { delete static_cast<PipeEnd*>(h->data); }

}  // namespace dmc::garden
