#include "process_tracker/output_stream.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "process_tracker/record.hpp"

namespace dmc::process_tracker {
namespace {

// Freed disk space at the start of the spool is given back in steps.
constexpr uint64_t kPunchStep = 1 << 20;
constexpr size_t kMaxFlush = 1 << 20;
constexpr size_t kMaxSplice = 1 << 20;

}  // namespace

bool OutputStream::wants_input() const {
  return source_open() && held_.empty() && (exited_ || end_ - oldest_needed() < cap_);
}

Result<void> OutputStream::pump(char* buffer, size_t size) {
  if (exited_) return drain(buffer, size);
  if (!held_.empty()) return {};
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
  exited_ = true;
  while (source_open() && held_.empty()) {
    ssize_t n = ::read(source_.get(), buffer, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // empty now (EAGAIN), EOF or EIO
      source_.reset();
      break;
    }
    deliver(buffer, static_cast<size_t>(n));
  }
  return {};
}

void OutputStream::retry(char* buffer, size_t size) {
  if (held_.empty()) return;
  size_t n = write_spool(held_.data(), held_.size());
  held_.erase(0, n);
  if (held_.empty() && exited_) (void)drain(buffer, size);
}

// The fast way, when it applies: one subscriber, caught up, nothing spooled.
// The bytes move from the process's pipe into the client's end inside the
// kernel. When that is not possible now (the pipe is empty, the client is
// full) or at all, false: pump() reads instead, and deliver() sends and
// spools as ever.
bool OutputStream::splice_through(size_t size) {
  if (subscribers_.size() != 1 || base_ != end_ || !reservations_.empty()) return false;
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
  restart_at(end_);
  return true;
}

// Straight to the caught-up subscribers when the spool is empty; whatever
// one of them did not take, or nobody was there to take, or a reservation
// keeps, is spooled.
void OutputStream::deliver(const char* data, size_t size) {
  const uint64_t start = end_;
  bool everyone_took_all = !subscribers_.empty() && reservations_.empty() && base_ == end_;
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
    restart_at(end_);
    return;
  }
  spool(data, size);
  trim();
}

// [end_ - size, end_) to the spool after what it holds; what does not fit
// (the disk is full) is held, and the process with it.
void OutputStream::spool(const char* data, size_t size) {
  if (held_.empty()) {
    size_t n = write_spool(data, size);
    data += n;
    size -= n;
  }
  held_.append(data, size);
}

// Bytes written at spooled_, up to the first error.
size_t OutputStream::write_spool(const char* data, size_t size) {
  if (spooled_ == base_) record();  // say where the spool starts before it does
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(spool_.get(), data + done, size - done,
                         static_cast<off_t>(spooled_ - base_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
    spooled_ += static_cast<uint64_t>(n);
  }
  return done;
}

// "<base> <delivered>\n", fixed width, in place: one pwrite, never torn.
void OutputStream::record() const {
  if (!state_) return;
  auto line = state_line({base_, delivered_});
  (void)!::pwrite(state_.get(), line.data(), line.size(), 0);
}

void OutputStream::advance(Subscriber& s, size_t n) {
  s.cursor += n;
  delivered_ = std::max(delivered_, s.cursor);
}

uint64_t OutputStream::oldest_needed() const {
  // A reservation's place is never past delivered_, which only grows.
  if (subscribers_.empty() && reservations_.empty()) return delivered_;
  uint64_t oldest = end_;
  for (const auto& s : subscribers_) oldest = std::min(oldest, s.cursor);
  for (const auto& r : reservations_) oldest = std::min(oldest, r.cursor);
  return oldest;
}

// The spool is empty and starts again at `offset`.
void OutputStream::restart_at(uint64_t offset) {
  if (spooled_ != base_) (void)!::ftruncate(spool_.get(), 0);
  held_.erase(0, std::min<uint64_t>(held_.size(), offset - spooled_));
  base_ = spooled_ = offset;
  punched_ = 0;
}

// Gives back the spool space that nobody needs any more.
void OutputStream::trim() {
  uint64_t oldest = oldest_needed();
  if (oldest >= spooled_) {  // nothing still needed is in the file
    restart_at(oldest);
    return;
  }
  uint64_t dead = oldest - base_;
  if (dead - punched_ >= kPunchStep) {
    record();  // nobody may be sent the hole
    (void)::fallocate(spool_.get(), FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0,
                      static_cast<off_t>(dead));
    punched_ = dead;
  }
}

void OutputStream::subscribe(ClientId id, ClientEnd end, uint32_t token) {
  unsubscribe(id);
  uint64_t cursor = claim(token).value_or(delivered_);
  subscribers_.push_back({id, std::move(end), cursor});
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
  const uint64_t before = delivered_;
  while (s->cursor < end_) {
    auto n = send(*s, scratch, size);
    if (!n) {
      unsubscribe(id);
      return false;
    }
    if (*n == 0) break;
    advance(*s, *n);
  }
  if (delivered_ != before) record();
  trim();
  retry(scratch, size);  // what was sent may have freed the disk
  return true;
}

// From the spool, or from memory for what is held.
Result<size_t> OutputStream::send(Subscriber& s, char* scratch, size_t size) {
  if (s.cursor >= spooled_) {
    return s.end.write(held_.data() + (s.cursor - spooled_), end_ - s.cursor);
  }
  off_t offset = static_cast<off_t>(s.cursor - base_);
  return s.end.write_from(spool_.get(), &offset, std::min<uint64_t>(spooled_ - s.cursor, kMaxFlush),
                          scratch, size);
}

}  // namespace dmc::process_tracker
