#include "process_tracker/attachment.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>

#include "process_tracker/orphan.hpp"
#include "process_tracker/protocol.hpp"

namespace dmc::process_tracker {

Attachment::Attachment(UniqueFd socket, std::string dir, std::string id)
    : socket_(std::move(socket)), dir_(std::move(dir)), id_(std::move(id)) {}

Result<Attachment> Attachment::finished(Result<int> outcome, std::string dir, std::string id) {
  // Its counter is never read: readable for good.
  UniqueFd ready(::eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!ready) return sys_error("eventfd");
  Attachment attachment(std::move(ready), std::move(dir), std::move(id));
  attachment.outcome_ = std::move(outcome);
  return attachment;
}

int Attachment::fd() const { return socket_.get(); }

Result<std::optional<int>> Attachment::exit_status() {
  if (!outcome_) {
    auto received = protocol::receive(socket_.get());
    if (!received && received.error().kind == ErrorKind::Unavailable) return std::nullopt;
    if (received && *received && (*received)->message.type != protocol::Type::Exit) {
      return std::nullopt;  // nothing else is sent to clients
    }
    if (!received || !*received) {  // closed, or reset: gone without a word
      return make_error(ErrorKind::Unavailable,
                        "process {}: its shim went away before it told the exit status", id_);
    }
    outcome_ = (*received)->message.a;
  }
  if (!*outcome_) return outcome_->error();
  return std::optional<int>(**outcome_);
}

// A message for a shim that has just gone away (its process ended) is moot,
// not an error: what it left, its exit status on the socket or on disk, is
// read next.
Result<void> Attachment::tell(int32_t type, int32_t a, int32_t b) {
  if (outcome_) return {};
  auto sent = protocol::send(socket_.get(), {static_cast<protocol::Type>(type), a, b});
  if (!sent && (sent.error().err == EPIPE || sent.error().err == ECONNRESET)) return {};
  return sent;
}

Result<void> Attachment::signal(int sig) {
  // A process whose shim died while it ran is still reached, by its proven
  // pid; one that ended is not there to signal.
  if (outcome_ && !*outcome_ && outcome_->error().kind == ErrorKind::ProcessLost) {
    return signal_orphan(dir_, id_, sig);
  }
  return tell(static_cast<int32_t>(protocol::Type::Signal), sig, 0);
}

Result<void> Attachment::resize(uint16_t cols, uint16_t rows) {
  return tell(static_cast<int32_t>(protocol::Type::Resize), cols, rows);
}

Result<void> Attachment::close_stdin() {
  return tell(static_cast<int32_t>(protocol::Type::CloseStdin), 0, 0);
}

}  // namespace dmc::process_tracker
