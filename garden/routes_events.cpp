// Extensions of the Garden API for issue 14's events and pause.
//
// GET /events[?handle=H[,H...]][&since=TIME][&until=TIME][&follow=false]:
// the events of the depot's journals, live and destroyed containers, one
// JSON line each as `dmc events --json` prints them, oldest first; then
// (unless follow=false) the new ones as they are recorded, until the client
// goes away or `until` passes. TIME is RFC 3339 or a duration before now
// (10m). The answer is a chunked 200 of application/x-ndjson, its head sent
// at once; a bad parameter or an unknown handle is the usual error object.
// Each stream has its own thread (it waits on inotify and on the client's
// pipe), never a worker of the pool, which it would hold for hours; it
// uses the Api and the containerizer, which live as long as dmcd (which
// ends with _exit).
//
// PUT /containers/:handle/pause and /resume: `dmc pause` and `dmc resume`.
#include <poll.h>

#include <thread>

#include "common/clock.hpp"
#include "common/fs.hpp"
#include "garden/api.hpp"

namespace dmc::garden {
namespace {

std::vector<std::string> split_handles(const std::string& list) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= list.size()) {
    size_t comma = std::min(list.find(',', at), list.size());
    out.push_back(list.substr(at, comma - at));
    at = comma + 1;
  }
  return out;
}

Result<containerizer::EventFilter> filter_of(const Request& request) {
  containerizer::EventFilter filter;
  if (auto handles = request.param("handle")) {
    for (auto& handle : split_handles(*handles)) {
      DMC_CHECK(depot::validate_handle(handle));
      filter.handles.insert(std::move(handle));
    }
  }
  const int64_t now = now_ns();
  if (auto since = request.param("since")) {
    DMC_TRY(at, containerizer::parse_time(*since, now));
    filter.since_ns = at;
  }
  if (auto until = request.param("until")) {
    DMC_TRY(at, containerizer::parse_time(*until, now));
    filter.until_ns = at;
  }
  return filter;
}

Result<bool> follow_of(const Request& request) {
  auto follow = request.param("follow");
  if (!follow || *follow == "true") return true;
  if (*follow == "false") return false;
  return make_error(ErrorKind::Invalid, "invalid follow '{}': use true or false", *follow);
}

// The lines of events, as recorded, into the client's pipe; false once the
// client is gone.
bool send_lines(int fd, const std::vector<containerizer::Event>& events) {
  std::string text;
  for (const auto& e : events) text += e.line + "\n";
  return write_all(fd, text).has_value();
}

}  // namespace

void Api::events(const X& x, const Params&) {
  auto filter = filter_of(x->request());
  if (!filter) return fail(x, filter.error());
  auto follow = follow_of(x->request());
  if (!follow) return fail(x, follow.error());
  // An unknown handle is answered as an error, before the stream starts.
  auto unknown = std::make_shared<std::string>();  // the handle it names
  async<std::string>(
      [this, handles = filter->handles, unknown]() -> Result<std::string> {
        for (const auto& handle : handles) {
          *unknown = handle;
          DMC_CHECK(containerizer_.check_journal(handle));
        }
        return std::string();
      },
      [this, x, filter = *filter, follow = *follow, unknown](Result<std::string> known) {
        if (!known) return fail(x, known.error(), *unknown);
        start_events(x, filter, follow);
      });
}

void Api::start_events(const X& x, const containerizer::EventFilter& filter, bool follow) {
  auto pipe = open_pipe();
  if (!pipe) return fail(x, pipe.error());
  x->stream_from(std::move(pipe->first), "application/x-ndjson", StreamHead::Now);
  // The exchange stays on the loop (it dies there); the thread ends when
  // the stream does (the client gone: its pipe's read end is closed, which
  // poll sees on the write end as POLLERR) and owns the write end: closing
  // it, then end_stream, ends the chunked answer.
  const uint64_t id = ++event_streams_made_;
  event_streams_.emplace(id, x);
  std::thread([this, id, filter, follow, out = std::move(pipe->second)]() mutable {
    auto streamed = containerizer_.stream_events(
        filter, follow, {out.get(), 0, 0},
        [fd = out.get()](const auto& events) { return send_lines(fd, events); });
    if (!streamed) logger_.error("events.failed", streamed.error());
    out.reset();
    server_->post([this, id] {
      auto stream = event_streams_.extract(id);
      if (stream) stream.mapped()->end_stream(std::nullopt);
    });
  }).detach();
}

void Api::pause(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_CHECK(containerizer_.pause(handle));
    return empty_json();
  });
}

void Api::resume(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  json_work(x, handle, [this, handle]() -> Result<std::string> {
    DMC_CHECK(containerizer_.resume(handle));
    return empty_json();
  });
}

}  // namespace dmc::garden
