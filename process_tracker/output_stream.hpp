// One output stream of a process (stdout or stderr) inside the shim.
//
// Bytes are numbered from 0 as the process writes them. `end_` is the next
// byte to come, `delivered_` the first byte no client has received, and
// each subscriber has its own cursor. Bytes a subscriber still needs, or
// nobody received yet, live in the spool file, which holds [base_, end_).
// When every subscriber is caught up the bytes go straight from the process
// to the clients and never touch the spool; to a single one, they are
// spliced from the process's pipe without passing through the shim at all. While the spool holds `cap`
// bytes that someone still needs, the stream stops reading the process: it
// is held back, never dropped.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.hpp"
#include "common/unique_fd.hpp"
#include "process_tracker/shim_io.hpp"

namespace dmc::process_tracker {

using ClientId = uint64_t;

class OutputStream {
 public:
  OutputStream(UniqueFd spool, uint64_t cap) : spool_(std::move(spool)), cap_(cap) {}

  void set_source(UniqueFd source) { source_ = std::move(source); }
  [[nodiscard]] int source() const { return source_.get(); }
  [[nodiscard]] bool source_open() const { return source_.valid(); }
  // The source is worth polling: open, and the spool is under its cap.
  [[nodiscard]] bool wants_input() const;
  // One read from the source, delivered and/or spooled; closes the source
  // at EOF. `buffer` is scratch space.
  Result<void> pump(char* buffer, size_t size);
  // After the process exited: everything it wrote is in the pipe now; read
  // until the pipe is empty, then close the source.
  Result<void> drain(char* buffer, size_t size);

  // The subscriber starts at the first byte no client has received.
  void subscribe(ClientId id, ClientEnd end);
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

  Subscriber* find(ClientId id);
  const Subscriber* find(ClientId id) const;
  uint64_t oldest_needed() const;
  bool splice_through(size_t size);
  void deliver(const char* data, size_t size);
  Result<void> spool(const char* data, size_t size);
  void advance(Subscriber& s, size_t n);
  void trim();

  UniqueFd source_;
  UniqueFd spool_;
  uint64_t cap_;
  uint64_t base_ = 0;
  uint64_t end_ = 0;
  uint64_t delivered_ = 0;
  uint64_t punched_ = 0;  // spool bytes from offset 0 given back to the disk
  std::vector<Subscriber> subscribers_;
};

}  // namespace dmc::process_tracker
