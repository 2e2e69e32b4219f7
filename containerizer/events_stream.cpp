// The Containerizer's event stream, the one loop behind `dmc events` and
// dmcd's GET /events: the recorded events, then (following) the new ones as
// they are appended, each given once.
#include <poll.h>

#include <algorithm>
#include <set>

#include "common/clock.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::containerizer {

namespace {

// OOM kills and an init's death show in no journal until a reconcile
// writes them: one a second while following (a read of one cgroup file and
// of the container's records, per container).
constexpr int kReconcileMs = 1000;

// How long to wait for news: a reconcile's period, or less when --until
// comes first; nullopt once it has passed.
std::optional<int> wait_ms(const EventFilter& filter) {
  if (!filter.until_ns) return kReconcileMs;
  int64_t left_ms = (*filter.until_ns - now_ns()) / 1'000'000;
  if (left_ms < 0) return std::nullopt;
  return static_cast<int>(std::min<int64_t>(kReconcileMs, left_ms + 1));
}

}  // namespace

Result<void> Containerizer::stream_events(const EventFilter& filter, bool follow, pollfd stop,
                                          const EventSink& sink) const {
  // Following starts before the replay: what is appended in between is in
  // both, and given once.
  std::optional<EventFollower> follower;
  if (follow) {
    DMC_TRY(opened, follow_events(filter));
    follower.emplace(std::move(opened));
  }
  DMC_TRY(recorded, events(filter));
  if (!sink(recorded) || !follow) return {};
  std::set<std::string> given;
  for (const auto& e : recorded) given.insert(e.line);
  for (;;) {
    auto timeout = wait_ms(filter);
    if (!timeout) return {};
    pollfd fds[2] = {{follower->fd(), POLLIN, 0}, stop};
    int n = ::poll(fds, 2, *timeout);
    if (n < 0 && errno != EINTR) return sys_error("poll");
    if (fds[1].revents != 0) return {};
    if (n == 0) reconcile_events(filter);
    DMC_TRY(news, follower->next());
    std::erase_if(news, [&](const Event& e) { return given.erase(e.line) > 0; });
    if (!news.empty() && !sink(news)) return {};
  }
}

}  // namespace dmc::containerizer
