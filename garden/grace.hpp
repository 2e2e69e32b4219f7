// Grace time (garden-protocol.md 7.1): a container left idle for its grace
// time is destroyed. Counted requests (Info, Run and Attach while their
// connection is open, ...) hold the countdown; when the last one ends it
// starts again from the full grace time. Timers live on the loop; what
// must survive a restart (the grace time, and when the countdown started)
// is kept in the container's properties by the caller (see on_countdown).
#pragma once

#include <uv.h>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace dmc::garden {

class GraceReaper {
 public:
  // expire(handle): the countdown ran out; the reaper forgets the handle.
  // on_countdown(handle, grace_ns): a countdown of grace_ns starts now.
  GraceReaper(uv_loop_t* loop, std::function<void(const std::string&)> expire,
              std::function<void(const std::string&, int64_t)> on_countdown);
  ~GraceReaper();
  GraceReaper(const GraceReaper&) = delete;
  GraceReaper& operator=(const GraceReaper&) = delete;

  // The container's grace time (0: never reaped). If no request holds it,
  // a countdown of `left_ns` (default: all of it) starts now.
  void set(const std::string& handle, int64_t grace_ns,
           std::optional<int64_t> left_ns = std::nullopt);
  // Destroyed: no countdown any more.
  void forget(const std::string& handle);
  void hold(const std::string& handle);
  void release(const std::string& handle);
  [[nodiscard]] int64_t grace(const std::string& handle) const;

 private:
  struct Entry {
    int64_t grace_ns = 0;
    int holds = 0;
    uv_timer_t* timer = nullptr;  // freed in its close callback
    std::string handle;
  };
  void start(Entry& entry, int64_t ns);
  void stop(Entry& entry);
  static void on_timer(uv_timer_t* timer) noexcept;

  uv_loop_t* loop_;
  std::function<void(const std::string&)> expire_;
  std::function<void(const std::string&, int64_t)> on_countdown_;
  std::map<std::string, Entry> entries_;
};

}  // namespace dmc::garden
