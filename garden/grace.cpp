#include "garden/grace.hpp"

namespace dmc::garden {
namespace {

uint64_t to_ms(int64_t ns) { return static_cast<uint64_t>((ns + 999'999) / 1'000'000); }

void free_timer(uv_handle_t* handle) noexcept { delete reinterpret_cast<uv_timer_t*>(handle); }

}  // namespace

GraceReaper::GraceReaper(uv_loop_t* loop, std::function<void(const std::string&)> expire,
                         std::function<void(const std::string&, int64_t)> on_countdown)
    : loop_(loop), expire_(std::move(expire)), on_countdown_(std::move(on_countdown)) {}

GraceReaper::~GraceReaper() {
  for (auto& [handle, entry] : entries_) stop(entry);
}

void GraceReaper::stop(Entry& entry) {
  if (!entry.timer) return;
  uv_timer_stop(entry.timer);
  uv_close(reinterpret_cast<uv_handle_t*>(entry.timer), free_timer);
  entry.timer = nullptr;
}

void GraceReaper::start(Entry& entry, int64_t ns) {
  stop(entry);
  if (entry.grace_ns <= 0 || entry.holds > 0) return;
  entry.timer = new uv_timer_t;
  uv_timer_init(loop_, entry.timer);
  entry.timer->data = this;
  // The handle is found again by the timer's address: entries may move.
  uv_timer_start(entry.timer, on_timer, to_ms(ns), 0);
}

void GraceReaper::on_timer(uv_timer_t* timer) noexcept {
  auto* self = static_cast<GraceReaper*>(timer->data);
  for (auto it = self->entries_.begin(); it != self->entries_.end(); ++it) {
    if (it->second.timer != timer) continue;
    std::string handle = it->first;
    self->stop(it->second);
    self->entries_.erase(it);
    self->expire_(handle);
    return;
  }
}

void GraceReaper::set(const std::string& handle, int64_t grace_ns,
                      std::optional<int64_t> left_ns) {
  Entry& entry = entries_[handle];
  entry.grace_ns = grace_ns;
  if (entry.holds > 0) return;  // takes effect when the requests end
  if (grace_ns <= 0) {
    stop(entry);
    entries_.erase(handle);
    return;
  }
  start(entry, left_ns.value_or(grace_ns));
  if (!left_ns) on_countdown_(handle, grace_ns);
}

void GraceReaper::forget(const std::string& handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end()) return;
  stop(it->second);
  entries_.erase(it);
}

void GraceReaper::hold(const std::string& handle) {
  Entry& entry = entries_[handle];
  ++entry.holds;
  stop(entry);
}

void GraceReaper::release(const std::string& handle) {
  auto it = entries_.find(handle);
  if (it == entries_.end() || it->second.holds == 0) return;
  if (--it->second.holds > 0) return;
  if (it->second.grace_ns <= 0) {
    entries_.erase(it);
    return;
  }
  start(it->second, it->second.grace_ns);
  on_countdown_(handle, it->second.grace_ns);
}

int64_t GraceReaper::grace(const std::string& handle) const {
  auto it = entries_.find(handle);
  return it == entries_.end() ? 0 : it->second.grace_ns;
}

}  // namespace dmc::garden
