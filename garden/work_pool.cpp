#include "garden/work_pool.hpp"

#include <thread>

namespace dmc::garden {

WorkPool::WorkPool(std::chrono::milliseconds idle_exit) : state_(std::make_shared<State>()) {
  state_->idle_exit = idle_exit;
}

WorkPool::~WorkPool() {
  std::lock_guard lock(state_->mutex);
  state_->stopping = true;
  state_->wake.notify_all();
}

void WorkPool::submit(std::function<void()> job) {
  std::lock_guard lock(state_->mutex);
  state_->jobs.push_back(std::move(job));
  if (state_->idle > state_->jobs.size() - 1) {
    state_->wake.notify_one();
    return;
  }
  ++state_->threads;
  std::thread(run, state_).detach();
}

size_t WorkPool::threads() const {
  std::lock_guard lock(state_->mutex);
  return state_->threads;
}

void WorkPool::run(std::shared_ptr<State> state) noexcept {
  std::unique_lock lock(state->mutex);
  while (true) {
    if (!state->jobs.empty()) {
      auto job = std::move(state->jobs.front());
      state->jobs.pop_front();
      lock.unlock();
      job();
      job = nullptr;  // its captures die off the lock
      lock.lock();
      continue;
    }
    if (state->stopping) break;
    ++state->idle;
    bool woken = state->wake.wait_for(lock, state->idle_exit, [&] {
      return !state->jobs.empty() || state->stopping;
    });
    --state->idle;
    if (!woken) break;
  }
  --state->threads;
}

}  // namespace dmc::garden
