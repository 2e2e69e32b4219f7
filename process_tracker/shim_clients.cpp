// The shim's clients: accepted, attached (with their reservations), their
// control messages and stdin, and their going away.
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "process_tracker/shim_impl.hpp"

namespace dmc::process_tracker {
namespace {

// How long a reservation (protocol.hpp's Attach) waits to be claimed.
constexpr auto kReservationLife = std::chrono::seconds(60);

}  // namespace

void Shim::accept_clients() {
  for (;;) {
    int fd = ::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    auto client = std::make_unique<ShimClient>();
    client->id = next_client_++;
    client->control.reset(fd);
    clients_.push_back(std::move(client));
  }
}

// A token with no output fd reserves; with output fds, they claim.
void Shim::attach(ShimClient& client, protocol::Message m, std::vector<UniqueFd> fds) {
  size_t next = 0;
  auto take = [&]() -> UniqueFd { return next < fds.size() ? std::move(fds[next++]) : UniqueFd(); };
  const auto token = static_cast<uint32_t>(m.b);
  if (token != 0 && !(m.a & (protocol::kStdout | protocol::kStderr))) {
    auto expires = std::chrono::steady_clock::now() + kReservationLife;
    for (auto& s : streams_) s->reserve(token, expires);
  }
  client.attached = true;
  client.stdin_eof_closes = !(m.a & protocol::kStdinDetaches);
  if (m.a & protocol::kStdin) {
    auto end = ClientEnd::make(take(), false);
    if (end && stdin_) client.stdin_end = std::move(*end);
  }
  for (size_t i = 0; i < 2; ++i) {
    if (!(m.a & (i == 0 ? protocol::kStdout : protocol::kStderr))) continue;
    auto end = ClientEnd::make(take(), true);
    if (!end) {
      logger_.error("attach.output", end.error());
      continue;
    }
    if (i < streams_.size()) streams_[i]->subscribe(client.id, std::move(*end), token);
  }
}

void Shim::on_control(ShimClient& client) {
  auto received = protocol::receive(client.control.get());
  if (!received && received.error().kind == ErrorKind::Unavailable) return;
  if (!received || !*received) {
    client_gone(client);
    return;
  }
  auto& [m, fds] = **received;
  switch (m.type) {
    case protocol::Type::Attach: attach(client, m, std::move(fds)); break;
    case protocol::Type::Signal:
      if (process_pid_ > 0 && !exit_code_) ::kill(process_pid_, m.a);
      break;
    case protocol::Type::CloseStdin: close_stdin_asked(client); break;
    case protocol::Type::Resize:
      if (options_.tty && stdin_) {
        winsize ws{static_cast<unsigned short>(m.b), static_cast<unsigned short>(m.a), 0, 0};
        ::ioctl(stdin_.get(), TIOCSWINSZ, &ws);
      }
      break;
    default: break;
  }
}

void Shim::on_client_stdin(ShimClient& client) {
  auto n = client.stdin_end->read(buffer_.data(), buffer_.size());
  if (!n && n.error().kind == ErrorKind::Unavailable) return;
  if (!n || *n == 0) {  // EOF from this client: the process's stdin ends, or it detaches
    client.stdin_end.reset();
    if (client.stdin_eof_closes || client.close_asked) stdin_eof_ = true;
  } else {
    stdin_buffer_.append(buffer_.data(), *n);
  }
  flush_stdin();
}

// Closed once the client's stdin is read to its end (on_client_stdin).
void Shim::close_stdin_asked(ShimClient& client) {
  client.close_asked = true;
  if (client.stdin_end) return;
  stdin_eof_ = true;
  flush_stdin();
}

// A client that went away: what its stdin already holds still goes to the
// process (a server writes stdin, asks CloseStdin and lets go at once).
// The process's stdin then closes if the client asked for it, else stays
// open for the next client.
void Shim::client_gone(ShimClient& client) {
  while (client.stdin_end && stdin_) {
    auto n = client.stdin_end->read(buffer_.data(), buffer_.size());
    if (!n || *n == 0) break;  // EOF, or nothing more for now
    stdin_buffer_.append(buffer_.data(), *n);
  }
  if (client.close_asked) stdin_eof_ = true;
  flush_stdin();
  drop(client.id);
}

}  // namespace dmc::process_tracker
