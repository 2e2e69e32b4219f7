// One output stream of a process (stdout or stderr) inside the shim.
//
// Bytes are numbered from 0 as the process writes them. `end_` is the next
// byte to come, `delivered_` the first byte no client has received, and
// each subscriber has its own cursor. Bytes a subscriber still needs, or
// nobody received yet, live in the spool file, which holds [base_, end_).
// When every subscriber is caught up the bytes go straight from the process
// to the clients and never touch the spool; to a single one, they are
// spliced from the process's pipe without passing through the shim at all.
// While the spool holds `cap` bytes that someone still needs, the stream
// stops reading the process: it is held back, never dropped.
//
// The spool file holds byte b at file offset b - base_, up to spooled_.
// When a write to it fails (the disk is full), the bytes that did not fit
// are held in memory ([spooled_, end_): at most one read) and the process is
// held back as at the cap, until retry() writes them (space came back) or a
// client takes them from memory. The state file (layout.hpp) records base_
// and delivered_, so that what no client received can be found without the
// shim.
//
// A reservation keeps, under a token, the place a new subscriber would
// start at when it was made, for a subscriber still to come (a server whose
// client opens its output connections a moment after asking to attach). It
// pins the spool like a subscriber (the cap holds the process back, nothing
// is dropped), until it is claimed by subscribe() or expires.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "process_tracker/shim_io.hpp"

namespace dmc::process_tracker {

using ClientId = uint64_t;

class OutputStream {
 public:
  // `state`, if valid, gets the record of layout.hpp's *.state files.
  OutputStream(UniqueFd spool, uint64_t cap, UniqueFd state = {})
      : spool_(std::move(spool)), state_(std::move(state)), cap_(cap) {}

  void set_source(UniqueFd source) { source_ = std::move(source); }
  [[nodiscard]] int source() const { return source_.get(); }
  [[nodiscard]] bool source_open() const { return source_.valid(); }
  // The source is worth polling: open, nothing held, and the spool is under
  // its cap (the cap no longer applies once the process exited).
  [[nodiscard]] bool wants_input() const;
  // One read from the source, delivered and/or spooled; closes the source
  // at EOF. `buffer` is scratch space.
  Result<void> pump(char* buffer, size_t size);
  // After the process exited: everything it wrote is in the pipe now; read
  // until the pipe is empty, then close the source. While bytes are held
  // (the disk is full) it stops, and retry() carries on.
  Result<void> drain(char* buffer, size_t size);
  // Bytes that could not be spooled are waiting in memory.
  [[nodiscard]] bool holding() const { return !held_.empty(); }
  // Tries again to spool what is held (space may have come back).
  void retry(char* buffer, size_t size);

  using Clock = std::chrono::steady_clock;
  // Keeps, under `token` (non-zero), the first byte no client has received
  // now, until `expires`. Made again under the same token: the new place.
  void reserve(uint32_t token, Clock::time_point expires);
  // Drops the reservations whose time has come.
  void expire(Clock::time_point now);
  // When the next reservation expires; nullopt: none is held.
  [[nodiscard]] std::optional<Clock::time_point> next_expiry() const;
  // A reservation would still give a subscriber bytes: some are spooled
  // for it, or the process may write more.
  [[nodiscard]] bool reserved() const;

  // The subscriber starts where the reservation under `token` was made
  // (which is then gone), else at the first byte no client has received.
  void subscribe(ClientId id, ClientEnd end, uint32_t token = 0);
  void unsubscribe(ClientId id);
  [[nodiscard]] bool subscribed(ClientId id) const;
  // Caught up: nothing pending for this client (true if not subscribed).
  [[nodiscard]] bool caught_up(ClientId id) const;
  [[nodiscard]] bool all_delivered() const { return delivered_ == end_; }

  // (client, fd) pairs with pending bytes: poll them for POLLOUT (a regular
  // file is always writable to poll).
  void pending_polls(std::vector<std::pair<ClientId, int>>& out) const;
  // Writes what is pending to a subscriber (its fd was writable, or it is a
  // file). A subscriber whose reader is gone is dropped: its bytes stay for
  // the next client. Returns false when it was dropped.
  bool flush(ClientId id, char* scratch, size_t size);

 private:
  struct Subscriber {
    ClientId id;
    ClientEnd end;
    uint64_t cursor;
    bool splices = true;  // until the kernel says it cannot
  };

  struct Reservation {
    uint32_t token;
    uint64_t cursor;
    Clock::time_point expires;
  };

  std::optional<uint64_t> claim(uint32_t token);
  Subscriber* find(ClientId id);
  const Subscriber* find(ClientId id) const;
  uint64_t oldest_needed() const;
  bool splice_through(size_t size);
  void deliver(const char* data, size_t size);
  void spool(const char* data, size_t size);
  size_t write_spool(const char* data, size_t size);
  Result<size_t> send(Subscriber& s, char* scratch, size_t size);
  void advance(Subscriber& s, size_t n);
  void restart_at(uint64_t offset);
  void trim();
  void record() const;

  UniqueFd source_;
  UniqueFd spool_;
  UniqueFd state_;
  uint64_t cap_;
  uint64_t base_ = 0;     // the byte at spool offset 0
  uint64_t spooled_ = 0;  // the spool holds [base_, spooled_)
  uint64_t end_ = 0;
  uint64_t delivered_ = 0;
  uint64_t punched_ = 0;  // spool bytes from offset 0 given back to the disk
  std::string held_;      // [spooled_, end_): read, but the spool had no room
  bool exited_ = false;   // the process ended: drain, the cap is gone
  std::vector<Subscriber> subscribers_;
  std::vector<Reservation> reservations_;
};

}  // namespace dmc::process_tracker
