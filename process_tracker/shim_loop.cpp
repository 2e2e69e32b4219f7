#include <fcntl.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "common/child.hpp"
#include "common/fs.hpp"
#include "process_tracker/layout.hpp"
#include "process_tracker/shim_impl.hpp"

namespace dmc::process_tracker {
namespace {

constexpr char kEndOfTransmission = 0x04;  // a tty's EOF character (^D)
// While the disk is full, how often the shim tries again to write.
constexpr int kDiskRetryMs = 1000;
// How long an idle shim waits for a client before it leaves its output
// in the spool to a later attach (orphan.hpp) and exits: a lingering shim
// costs memory, and many clients never take some of the output.
constexpr auto kLinger = std::chrono::seconds(3);

int ms_until(std::chrono::steady_clock::time_point when) {
  auto left = when - std::chrono::steady_clock::now();
  return static_cast<int>(
      std::max<int64_t>(0, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
}

}  // namespace

void Shim::reap() {
  signalfd_siginfo info;
  while (::read(signal_fd_.get(), &info, sizeof info) == sizeof info) {
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) terminate_ = true;
  }
  int status;
  pid_t pid;
  while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
    if (pid == runtime_pid_) runtime_status_ = status;
    else if (pid == process_pid_) on_exit(status);
    else reaped_[pid] = status;  // maybe the process, before we knew its pid
  }
}

void Shim::on_exit(int status) {
  exit_code_ = decode_wait_status(status).code;
  write_exit_status();
  journal_exit();
  // Everything the process wrote is in its pipes now.
  for (auto& s : streams_) (void)s->drain(buffer_.data(), buffer_.size());
  close_process_stdin();
}

// Until it is on disk (the disk may be full), tried again every second: the
// shim does not exit without it.
void Shim::write_exit_status() {
  auto written = atomic_write_file(fmt::format("{}/{}", options_.dir, names::kExitStatus),
                                   fmt::format("{}\n", *exit_code_));
  if (!written && !exit_written_) logger_.error("exit-status.write", written.error());
  exit_written_ = written.has_value();
}

// What a full disk kept from being written: held output, the exit status.
void Shim::retry_disk() {
  for (auto& s : streams_) s->retry(buffer_.data(), buffer_.size());
  if (exit_code_ && !exit_written_) write_exit_status();
}

// The soonest of: a retry while the disk is full, the end of the linger, a
// reservation's expiry. -1: none.
int Shim::poll_timeout() const {
  int timeout = -1;
  auto sooner = [&](int ms) { timeout = timeout < 0 ? ms : std::min(timeout, ms); };
  bool waiting = (exit_code_ && !exit_written_) ||
                 std::any_of(streams_.begin(), streams_.end(),
                             [](const auto& s) { return s->holding(); });
  if (waiting) sooner(kDiskRetryMs);
  if (idle_since_) sooner(ms_until(*idle_since_ + kLinger));
  for (const auto& s : streams_) {
    if (auto expiry = s->next_expiry()) sooner(ms_until(*expiry));
  }
  return timeout;
}

bool Shim::reserved() const {
  return std::any_of(streams_.begin(), streams_.end(), [](const auto& s) { return s->reserved(); });
}

void Shim::flush_stdin() {
  while (stdin_ && !stdin_buffer_.empty()) {
    ssize_t n = ::write(stdin_.get(), stdin_buffer_.data(), stdin_buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n < 0) {  // the process closed its stdin
      stdin_buffer_.clear();
      break;
    }
    stdin_buffer_.erase(0, static_cast<size_t>(n));
  }
  if (stdin_eof_) close_process_stdin();
}

void Shim::close_process_stdin() {
  if (options_.tty && stdin_ && !exit_code_) {
    (void)!::write(stdin_.get(), &kEndOfTransmission, 1);
  }
  stdin_.reset();
  stdin_buffer_.clear();
  for (auto& c : clients_) c->stdin_end.reset();
}

bool Shim::output_finished() const {
  return exit_code_ && std::none_of(streams_.begin(), streams_.end(),
                                    [](const auto& s) { return s->source_open(); });
}

// Clients that have all the output get the exit status and are let go.
void Shim::finish_clients() {
  if (!output_finished()) return;
  std::vector<ClientId> finished;
  for (const auto& c : clients_) {
    bool caught_up = std::all_of(streams_.begin(), streams_.end(),
                                 [&](const auto& s) { return s->caught_up(c->id); });
    if (c->attached && caught_up) finished.push_back(c->id);
  }
  for (ClientId id : finished) {
    auto it = std::find_if(clients_.begin(), clients_.end(),
                           [&](const auto& c) { return c->id == id; });
    if (protocol::send((*it)->control.get(), {protocol::Type::Exit, *exit_code_, 0})) {
      exit_sent_ = true;
    }
    drop(id);
  }
}

void Shim::drop(ClientId id) {
  for (auto& s : streams_) s->unsubscribe(id);
  std::erase_if(clients_, [&](const auto& c) { return c->id == id; });
}

bool Shim::done() const {
  if (terminate_) return true;
  if (idle_since_ && std::chrono::steady_clock::now() - *idle_since_ >= kLinger) return true;
  return output_finished() && exit_written_ && clients_.empty() && !reserved() &&
         std::all_of(streams_.begin(), streams_.end(),
                     [](const auto& s) { return s->all_delivered(); });
}

// The process ended, its status is on disk, its output all read from it
// and in the spool (nothing held in memory), no client is there and no
// reservation still owes bytes: what is left, a later attach gets from the
// record without us.
bool Shim::idle() const {
  return output_finished() && exit_written_ && clients_.empty() && !reserved() &&
         std::none_of(streams_.begin(), streams_.end(), [](const auto& s) { return s->holding(); });
}

void Shim::note_idle() {
  if (!idle()) idle_since_.reset();
  else if (!idle_since_) idle_since_ = std::chrono::steady_clock::now();
}

void Shim::build_polls() {
  pollfds_.clear();
  entries_.clear();
  auto add = [&](int fd, short events, PollEntry entry) {
    pollfds_.push_back({fd, events, 0});
    entries_.push_back(entry);
  };
  add(signal_fd_.get(), POLLIN, {Slot::Signal});
  add(listener_.get(), POLLIN, {Slot::Listener});
  std::vector<std::pair<ClientId, int>> sinks;
  for (size_t i = 0; i < streams_.size(); ++i) {
    if (streams_[i]->wants_input()) add(streams_[i]->source(), POLLIN, {Slot::Source, i});
    sinks.clear();
    streams_[i]->pending_polls(sinks);
    for (auto [id, fd] : sinks) add(fd, POLLOUT, {Slot::Sink, i, id});
  }
  for (const auto& c : clients_) {
    add(c->control.get(), POLLIN, {Slot::Control, 0, c->id});
    if (c->stdin_end && stdin_buffer_.empty() && stdin_) {
      add(c->stdin_end->fd(), POLLIN, {Slot::ClientStdin, 0, c->id});
    }
  }
  if (stdin_ && !stdin_buffer_.empty()) add(stdin_.get(), POLLOUT, {Slot::ProcessStdin});
}

void Shim::dispatch() {
  for (size_t i = 0; i < pollfds_.size(); ++i) {
    if (!pollfds_[i].revents) continue;
    const PollEntry e = entries_[i];
    auto client = std::find_if(clients_.begin(), clients_.end(),
                               [&](const auto& c) { return c->id == e.client; });
    switch (e.slot) {
      case Slot::Signal: reap(); break;
      case Slot::Listener: accept_clients(); break;
      case Slot::Source: (void)streams_[e.stream]->pump(buffer_.data(), buffer_.size()); break;
      case Slot::Sink: streams_[e.stream]->flush(e.client, buffer_.data(), buffer_.size()); break;
      case Slot::Control:
        if (client != clients_.end()) on_control(**client);
        break;
      case Slot::ClientStdin:
        if (client != clients_.end() && (*client)->stdin_end) on_client_stdin(**client);
        break;
      case Slot::ProcessStdin: flush_stdin(); break;
    }
  }
}

void Shim::serve() {
  while (!done()) {
    for (auto& s : streams_) s->expire(std::chrono::steady_clock::now());
    finish_clients();
    note_idle();
    if (done()) break;
    retry_disk();
    build_polls();
    if (::poll(pollfds_.data(), pollfds_.size(), poll_timeout()) < 0 && errno != EINTR) {
      logger_.error("poll", sys_error("poll"));
      return;
    }
    dispatch();
  }
}

}  // namespace dmc::process_tracker
