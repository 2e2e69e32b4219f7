#include "garden/loop_mailbox.hpp"

namespace dmc::garden {

Result<std::shared_ptr<LoopMailbox>> LoopMailbox::open(uv_loop_t* loop) {
  auto mailbox = std::make_shared<LoopMailbox>();
  auto* async = new Async{};
  int rc = uv_async_init(loop, &async->handle, on_async);
  if (rc != 0) {
    delete async;
    return make_error(ErrorKind::Internal, "uv_async_init: {}", uv_strerror(rc));
  }
  async->mailbox = mailbox;
  async->handle.data = async;
  mailbox->async_ = async;
  return mailbox;
}

void LoopMailbox::post(std::function<void()> f) {
  std::lock_guard lock(mutex_);
  if (async_ == nullptr) return;
  queue_.push_back(std::move(f));
  uv_async_send(&async_->handle);
}

void LoopMailbox::close() {
  std::vector<std::function<void()>> dropped;
  std::lock_guard lock(mutex_);
  if (async_ == nullptr) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&async_->handle), on_closed);
  async_ = nullptr;
  dropped.swap(queue_);
}

void LoopMailbox::on_async(uv_async_t* handle) noexcept {
  auto mailbox = static_cast<Async*>(handle->data)->mailbox.lock();
  if (mailbox) mailbox->run_queued();
}

void LoopMailbox::on_closed(uv_handle_t* handle) noexcept {
  delete static_cast<Async*>(handle->data);
}

void LoopMailbox::run_queued() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
  }
  for (auto& f : batch) {
    if (closed()) return;
    f();
  }
}

bool LoopMailbox::closed() {
  std::lock_guard lock(mutex_);
  return async_ == nullptr;
}

}  // namespace dmc::garden
