#include "process_tracker/output_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace dmc::process_tracker {
namespace {

// Freed disk space at the start of the spool is given back in steps.
constexpr uint64_t kPunchStep = 1 << 20;
constexpr size_t kMaxFlush = 1 << 20;
constexpr size_t kMaxSplice = 1 << 20;

}  // namespace

bool OutputStream::wants_input() const {
  return source_open() && end_ - oldest_needed() < cap_;
}

Result<void> OutputStream::pump(char* buffer, size_t size) {
  uint64_t room = cap_ - std::min(cap_, end_ - oldest_needed());
  if (splice_through(std::min<uint64_t>(kMaxSplice, std::max<uint64_t>(room, 1)))) return {};
  ssize_t n = ::read(source_.get(), buffer, std::min<uint64_t>(size, std::max<uint64_t>(room, 1)));
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return {};
  if (n <= 0) {  // EOF, or EIO from a pty whose other side is gone
    source_.reset();
    return {};
  }
  deliver(buffer, static_cast<size_t>(n));
  return {};
}

Result<void> OutputStream::drain(char* buffer, size_t size) {
  while (source_open()) {
    ssize_t n = ::read(source_.get(), buffer, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // empty now (EAGAIN), EOF or EIO
    deliver(buffer, static_cast<size_t>(n));
  }
  source_.reset();
  return {};
}

// The fast way, when it applies: one subscriber, caught up, nothing spooled.
// The bytes move from the process's pipe into the client's end inside the
// kernel. When that is not possible now (the pipe is empty, the client is
// full) or at all, false: pump() reads instead, and deliver() sends and
// spools as ever.
bool OutputStream::splice_through(size_t size) {
  if (subscribers_.size() != 1 || base_ != end_) return false;
  Subscriber& s = subscribers_.front();
  if (!s.splices || s.cursor != end_) return false;
  auto n = s.end.splice_from(source_.get(), size);
  if (!n) {
    if (n.error().kind == ErrorKind::Invalid) s.splices = false;
    return false;
  }
  if (*n == 0) {  // the process closed its end and the pipe is empty
    source_.reset();
    return true;
  }
  end_ += *n;
  advance(s, *n);
  base_ = end_;
  return true;
}

// Straight to the caught-up subscribers when the spool is empty; whatever
// one of them did not take, or nobody was there to take, is spooled.
void OutputStream::deliver(const char* data, size_t size) {
  const uint64_t start = end_;
  bool everyone_took_all = !subscribers_.empty() && base_ == end_;
  if (base_ == end_) {
    for (size_t i = 0; i < subscribers_.size();) {
      auto& s = subscribers_[i];
      auto n = s.end.write(data, size);
      if (!n) {
        subscribers_.erase(subscribers_.begin() + static_cast<long>(i));
        continue;
      }
      advance(s, *n);
      everyone_took_all = everyone_took_all && *n == size;
      ++i;
    }
  }
  end_ = start + size;
  if (everyone_took_all && !subscribers_.empty()) {
    base_ = end_;
    return;
  }
  if (auto spooled = spool(data, size); !spooled) {
    // The disk is full or gone: nothing can keep these bytes any more, and
    // nobody may be sent a part of the spool that was never written.
    base_ = delivered_ = end_;
    for (auto& s : subscribers_) s.cursor = end_;
  }
  trim();
}

Result<void> OutputStream::spool(const char* data, size_t size) {
  const char* p = data;
  off_t offset = static_cast<off_t>(end_ - size - base_);
  while (size > 0) {
    ssize_t n = ::pwrite(spool_.get(), p, size, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("write spool");
    p += n;
    offset += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

void OutputStream::advance(Subscriber& s, size_t n) {
  s.cursor += n;
  delivered_ = std::max(delivered_, s.cursor);
}

uint64_t OutputStream::oldest_needed() const {
  if (subscribers_.empty()) return delivered_;
  uint64_t oldest = end_;
  for (const auto& s : subscribers_) oldest = std::min(oldest, s.cursor);
  return oldest;
}

// Gives back the spool space that nobody needs any more.
void OutputStream::trim() {
  uint64_t oldest = oldest_needed();
  if (oldest == end_) {
    if (base_ != end_) (void)!::ftruncate(spool_.get(), 0);
    base_ = end_;
    punched_ = 0;
    return;
  }
  uint64_t dead = oldest - base_;
  if (dead - punched_ >= kPunchStep) {
    (void)::fallocate(spool_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                      static_cast<off_t>(dead));
    punched_ = dead;
  }
}

void OutputStream::subscribe(ClientId id, ClientEnd end) {
  unsubscribe(id);
  subscribers_.push_back({id, std::move(end), delivered_});
}

void OutputStream::unsubscribe(ClientId id) {
  std::erase_if(subscribers_, [&](const Subscriber& s) { return s.id == id; });
  trim();
}

OutputStream::Subscriber* OutputStream::find(ClientId id) {
  auto it = std::find_if(subscribers_.begin(), subscribers_.end(),
                         [&](const Subscriber& s) { return s.id == id; });
  return it == subscribers_.end() ? nullptr : &*it;
}

const OutputStream::Subscriber* OutputStream::find(ClientId id) const {
  return const_cast<OutputStream*>(this)->find(id);
}

bool OutputStream::subscribed(ClientId id) const { return find(id) != nullptr; }

bool OutputStream::caught_up(ClientId id) const {
  const auto* s = find(id);
  return !s || s->cursor == end_;
}

void OutputStream::pending_polls(std::vector<std::pair<ClientId, int>>& out) const {
  for (const auto& s : subscribers_) {
    if (s.cursor < end_) out.emplace_back(s.id, s.end.fd());
  }
}

bool OutputStream::flush(ClientId id, char* scratch, size_t size) {
  Subscriber* s = find(id);
  if (!s) return false;
  while (s->cursor < end_) {
    off_t offset = static_cast<off_t>(s->cursor - base_);
    auto n = s->end.write_from(spool_.get(), &offset, std::min<uint64_t>(end_ - s->cursor, kMaxFlush),
                               scratch, size);
    if (!n) {
      unsubscribe(id);
      return false;
    }
    if (*n == 0) break;
    advance(*s, *n);
  }
  trim();
  return true;
}

}  // namespace dmc::process_tracker
