// dmc's own worker threads for work that must not run on the event loop.
// The pool grows by one thread whenever a job arrives and no thread is idle,
// so no job ever waits for another to finish; a thread idle for
// `idle_exit` ends, so an idle server keeps no threads.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace dmc::garden {

class WorkPool {
 public:
  explicit WorkPool(std::chrono::milliseconds idle_exit = std::chrono::seconds(5));
  // Threads still running jobs finish them on their own (they share the
  // pool's state), then end.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  void submit(std::function<void()> job);
  // Threads alive now (running a job or idle).
  size_t threads() const;

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable wake;
    std::deque<std::function<void()>> jobs;
    size_t threads = 0;
    size_t idle = 0;
    bool stopping = false;
    std::chrono::milliseconds idle_exit;
  };
  static void run(std::shared_ptr<State> state) noexcept;

  std::shared_ptr<State> state_;
};

}  // namespace dmc::garden
