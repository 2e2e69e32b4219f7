#include "garden/process_session.hpp"

#include <signal.h>

#include <limits>
#include <random>

#include "garden/wire_in.hpp"
#include "garden/wire_out.hpp"

namespace dmc::garden {
namespace {

constexpr uint64_t kStreamKeepMs = 60'000;       // stream ids live on after the exit
constexpr size_t kMessageLimit = 64u << 20;      // one message on a process connection

}  // namespace

uint32_t StreamRegistry::new_token() {
  prune();
  std::random_device random;
  std::uniform_int_distribution<uint32_t> draw(1, std::numeric_limits<uint32_t>::max());
  for (;;) {
    uint32_t token = draw(random);
    if (!entries_.contains(std::to_string(token))) return token;
  }
}

std::string StreamRegistry::add(uint32_t token, const std::string& handle,
                                const std::string& process_id) {
  prune();
  std::string id = std::to_string(token);
  entries_[id] = Entry{handle, process_id, token, 0};
  return id;
}

void StreamRegistry::ended(const std::string& stream_id) {
  auto it = entries_.find(stream_id);
  if (it != entries_.end()) it->second.expires_ms = uv_now(loop_) + kStreamKeepMs;
}

std::optional<StreamRegistry::Entry> StreamRegistry::find(const std::string& stream_id) {
  prune();
  auto it = entries_.find(stream_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void StreamRegistry::prune() {
  uint64_t now = uv_now(loop_);
  std::erase_if(entries_, [&](const auto& kv) {
    return kv.second.expires_ms != 0 && kv.second.expires_ms <= now;
  });
}

ProcessSession::ProcessSession(uv_loop_t* loop, Logger logger, std::string process_id,
                               std::shared_ptr<Hijacked> connection,
                               std::unique_ptr<StdinPipe> stdin_pipe, std::shared_ptr<void> hold,
                               SessionHooks hooks)
    : loop_(loop),
      logger_(std::move(logger)),
      process_id_(std::move(process_id)),
      connection_(std::move(connection)),
      stdin_(std::move(stdin_pipe)),
      hold_(std::move(hold)),
      hooks_(std::move(hooks)) {}

// The connection may outlive the session: its callbacks must not reach it.
ProcessSession::~ProcessSession() {
  connection_->on_read([](std::string_view) {}, [] {});
}

void ProcessSession::start(const std::string& stream_id, process_tracker::Attachment attachment) {
  connection_->write(stream_message(process_id_, stream_id));
  connection_->on_read([this](std::string_view data) { on_input(data); },
                       [this] { disconnected(); });
  watch(std::move(attachment));
}

void ProcessSession::watch(process_tracker::Attachment attachment) {
  watch_ = std::make_unique<ExitWatch>(loop_, std::move(attachment),
                                       [this](Result<int> status) { on_exit(status); });
}

void ProcessSession::on_input(std::string_view data) {
  if (over_) return;
  input_.append(data);
  size_t start = 0;
  for (size_t nl; (nl = input_.find('\n', start)) != std::string::npos; start = nl + 1) {
    on_message(std::string_view(input_).substr(start, nl - start));
    if (over_) return;
  }
  input_.erase(0, start);
  if (input_.size() > kMessageLimit) {
    logger_.error("process.message-too-large",
                  make_error(ErrorKind::Invalid, "a message over {} bytes", kMessageLimit),
                  {{"process", process_id_}});
    disconnected();
  }
}

// Section 4.5's order: tty, then source, then signal; anything else is
// ignored (and reading goes on, also after stdin's EOF).
void ProcessSession::on_message(std::string_view line) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;
  auto payload = parse_payload(line);
  if (!payload) {
    logger_.error("process.bad-message", payload.error(), {{"process", process_id_}});
    return;
  }
  if (!watch_) return;
  auto& attachment = watch_->attachment();
  if (payload->tty) {
    if (payload->window) {
      (void)attachment.resize(static_cast<uint16_t>(payload->window->width),
                              static_cast<uint16_t>(payload->window->height));
    }
  } else if (payload->source) {
    if (*payload->source != 0 || !stdin_) return;
    if (payload->data) stdin_->write(std::move(*payload->data));
    else end_stdin();
  } else if (payload->signal) {
    if (*payload->signal == 0) (void)attachment.signal(SIGTERM);
    else if (*payload->signal == 1) (void)attachment.signal(SIGKILL);
  }
}

// Everything written so far reaches the process; then its stdin closes.
void ProcessSession::end_stdin() {
  StdinPipe* pipe = stdin_.get();
  pipe->after_writes([this] {
    if (watch_) (void)watch_->attachment().close_stdin();
    stdin_.reset();
  });
}

void ProcessSession::on_exit(Result<int> status) {
  if (status) return finish(exit_message(process_id_, *status));
  if (status.error().kind != ErrorKind::Unavailable) {
    return finish(error_message(process_id_, status.error().message));
  }
  // The shim went away before telling: what the record holds says.
  watch_.reset();
  hooks_.reopen([this](Result<process_tracker::Attachment> attachment) {
    if (over_) return;
    if (!attachment) return finish(error_message(process_id_, attachment.error().message));
    watch(std::move(*attachment));
  });
}

void ProcessSession::finish(std::string last_message) {
  if (over_) return;
  over_ = true;
  connection_->write(std::move(last_message));
  connection_->finish();
  stdin_.reset();
  hold_.reset();
  hooks_.ended(this);
}

// The client went away: the process runs on; its stdin stays open for a
// later attacher (no EOF is delivered).
void ProcessSession::disconnected() {
  if (over_) return;
  over_ = true;
  connection_->close();
  stdin_.reset();
  hold_.reset();
  hooks_.ended(this);
}

OutputSession::OutputSession(uv_loop_t* loop, std::shared_ptr<Hijacked> connection,
                             SessionHooks hooks)
    : loop_(loop), connection_(std::move(connection)), hooks_(std::move(hooks)) {}

OutputSession::~OutputSession() {
  connection_->on_read([](std::string_view) {}, [] {});
}

void OutputSession::start(process_tracker::Attachment attachment) {
  connection_->on_read([](std::string_view) {}, [this] { end(); });
  watch_ = std::make_unique<ExitWatch>(loop_, std::move(attachment), [this](Result<int>) {
    // The shim has closed its copy of the socket: ours ends the stream.
    end();
  });
}

void OutputSession::end() {
  if (over_) return;
  over_ = true;
  connection_->finish();
  hooks_.ended(this);
}

}  // namespace dmc::garden
