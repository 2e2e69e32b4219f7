// Functions sent to the loop thread from any thread (uv_async_t + a queue).
// Shared by whoever may post; posts after close() are dropped.
#pragma once

#include <uv.h>

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/result.hpp"

namespace dmc::garden {

class LoopMailbox : public std::enable_shared_from_this<LoopMailbox> {
 public:
  // On the loop thread.
  static Result<std::shared_ptr<LoopMailbox>> open(uv_loop_t* loop);
  // From any thread.
  void post(std::function<void()> f);
  // On the loop thread: drops what is queued and what comes later.
  void close();

 private:
  struct Async {
    uv_async_t handle;
    std::weak_ptr<LoopMailbox> mailbox;
  };
  static void on_async(uv_async_t* handle) noexcept;
  static void on_closed(uv_handle_t* handle) noexcept;
  void run_queued();
  bool closed();

  std::mutex mutex_;
  std::vector<std::function<void()>> queue_;
  Async* async_ = nullptr;  // null once closed; freed in its close callback
};

}  // namespace dmc::garden
