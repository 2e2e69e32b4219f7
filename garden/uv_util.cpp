#include "garden/uv_util.hpp"

namespace dmc::garden {
namespace {

struct WriteRequest {
  uv_write_t req;
  std::string bytes;
  std::function<void(int)> done;
};

void on_written(uv_write_t* req, int status) noexcept {
  auto* request = static_cast<WriteRequest*>(req->data);
  auto done = std::move(request->done);
  delete request;
  if (done) done(status);
}

}  // namespace

void write_bytes(uv_stream_t* stream, std::string bytes, std::function<void(int)> done) {
  auto* request = new WriteRequest{{}, std::move(bytes), std::move(done)};
  request->req.data = request;
  uv_buf_t buf = uv_buf_init(request->bytes.data(), static_cast<unsigned>(request->bytes.size()));
  int rc = uv_write(&request->req, stream, &buf, 1, on_written);
  if (rc == 0) return;
  // Nothing queued: report on the loop's next turn through a one-shot idle.
  auto* idle = new uv_idle_t{};
  idle->data = new std::function<void()>([request, rc] {
    auto done = std::move(request->done);
    delete request;
    if (done) done(rc);
  });
  uv_idle_init(stream->loop, idle);
  uv_idle_start(idle, [](uv_idle_t* h) noexcept {
    auto* f = static_cast<std::function<void()>*>(h->data);
    (*f)();
    delete f;
    uv_close(as_handle(h), [](uv_handle_t* closed) noexcept {
      delete reinterpret_cast<uv_idle_t*>(closed);
    });
  });
}

Error uv_error(std::string_view what, int status) {
  bool peer_gone = status == UV_EPIPE || status == UV_ECONNRESET || status == UV_EOF ||
                   status == UV_ECANCELED;
  return Error{peer_gone ? ErrorKind::Unavailable : ErrorKind::Internal,
               fmt::format("{}: {}", what, uv_strerror(status)), -status};
}

}  // namespace dmc::garden
