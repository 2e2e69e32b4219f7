// OutputStream's reservations (output_stream.hpp).
#include <algorithm>

#include "process_tracker/output_stream.hpp"

namespace dmc::process_tracker {

void OutputStream::reserve(uint32_t token, Clock::time_point expires) {
  if (token == 0) return;
  std::erase_if(reservations_, [&](const Reservation& r) { return r.token == token; });
  reservations_.push_back({token, delivered_, expires});
}

std::optional<uint64_t> OutputStream::claim(uint32_t token) {
  if (token == 0) return std::nullopt;
  auto it = std::find_if(reservations_.begin(), reservations_.end(),
                         [&](const Reservation& r) { return r.token == token; });
  if (it == reservations_.end()) return std::nullopt;
  uint64_t cursor = it->cursor;
  reservations_.erase(it);
  return cursor;
}

void OutputStream::expire(Clock::time_point now) {
  auto gone = std::erase_if(reservations_, [&](const Reservation& r) { return r.expires <= now; });
  if (gone > 0) trim();
}

std::optional<OutputStream::Clock::time_point> OutputStream::next_expiry() const {
  std::optional<Clock::time_point> next;
  for (const auto& r : reservations_) {
    if (!next || r.expires < *next) next = r.expires;
  }
  return next;
}

bool OutputStream::reserved() const {
  if (reservations_.empty()) return false;
  return source_open() || std::any_of(reservations_.begin(), reservations_.end(),
                                      [&](const Reservation& r) { return r.cursor < end_; });
}

}  // namespace dmc::process_tracker
