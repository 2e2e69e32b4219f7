// The process routes (section 4): Run and Attach, whose connections carry
// JSON messages, and the stdout and stderr connections, handed to the shim.
#include <fcntl.h>

#include "garden/api.hpp"
#include "garden/wire_in.hpp"

namespace dmc::garden {
namespace {

struct Started {
  std::string id;
  process_tracker::Attachment attachment;
};

}  // namespace

SessionHooks Api::hooks_for(const std::string& handle, const std::string& id,
                            const std::string& stream_id) {
  SessionHooks hooks;
  hooks.reopen = [this, handle, id](auto done) {
    async<process_tracker::Attachment>(
        [this, handle, id] { return containerizer_.open_attachment(handle, id, {}); },
        std::move(done));
  };
  hooks.ended = [this, stream_id](Session* session) {
    if (!stream_id.empty()) streams_->ended(stream_id);
    server_->post([this, session] { sessions_.erase(session); });
  };
  return hooks;
}

void Api::run(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  with_body(x, [this, x, handle](std::string body) {
    auto spec = parse_process_spec(body);
    if (!spec) return fail(x, spec.error(), handle);
    auto pipe = StdinPipe::make(loop_);
    if (!pipe) return fail(x, pipe.error(), handle);
    auto read_end = std::make_shared<UniqueFd>(std::move(pipe->second));
    auto writer = std::make_shared<std::unique_ptr<StdinPipe>>(std::move(pipe->first));
    async<Started>(
        [this, handle, spec = std::move(*spec), read_end]() -> Result<Started> {
          auto id = containerizer_.run(handle, spec);
          if (!id && id.error().kind == ErrorKind::AlreadyExists && spec.id) {
            return make_error(ErrorKind::AlreadyExists, "process ID '{}' already in use",
                              *spec.id);
          }
          if (!id) return id.error();
          process_tracker::StreamFds fds{.stdin_fd = read_end->get(), .stdin_eof_closes = false};
          DMC_TRY(attachment, containerizer_.open_attachment(handle, *id, fds));
          read_end->reset();
          return Started{*id, std::move(attachment)};
        },
        [this, x, handle, writer](Result<Started> started) {
          if (!started) return fail(x, started.error(), handle);
          start_session(x, 201, handle, started->id, std::move(started->attachment),
                        std::move(*writer));
        });
  });
}

void Api::attach(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  std::string id = p.at("pid");
  auto pipe = StdinPipe::make(loop_);
  if (!pipe) return fail(x, pipe.error(), handle);
  auto read_end = std::make_shared<UniqueFd>(std::move(pipe->second));
  auto writer = std::make_shared<std::unique_ptr<StdinPipe>>(std::move(pipe->first));
  async<process_tracker::Attachment>(
      [this, handle, id, read_end] {
        process_tracker::StreamFds fds{.stdin_fd = read_end->get(), .stdin_eof_closes = false};
        auto attachment = containerizer_.open_attachment(handle, id, fds);
        read_end->reset();
        return attachment;
      },
      [this, x, handle, id, writer](Result<process_tracker::Attachment> attachment) {
        if (!attachment) return fail(x, attachment.error(), handle, id);
        start_session(x, 200, handle, id, std::move(*attachment), std::move(*writer));
      });
}

void Api::start_session(const X& x, int status, const std::string& handle, const std::string& id,
                        process_tracker::Attachment attachment,
                        std::unique_ptr<StdinPipe> stdin_pipe) {
  auto connection = x->hijack(status, "application/json");
  std::string stream_id = streams_->add(handle, id);
  logger_.info(fmt::format("{}.attached", x.name),
               {{"handle", handle}, {"process", id}, {"stream", stream_id}});
  // Run and Attach hold the grace countdown while their connection is open.
  auto session = std::make_unique<ProcessSession>(loop_, logger_, id, connection,
                                                  std::move(stdin_pipe), hold(handle),
                                                  hooks_for(handle, id, stream_id));
  ProcessSession* raw = session.get();
  sessions_[raw] = std::move(session);
  raw->start(stream_id, std::move(attachment));
}

void Api::stdout_stream(const X& x, const Params& p) { output_stream(x, p, false); }
void Api::stderr_stream(const X& x, const Params& p) { output_stream(x, p, true); }

// An unknown or expired stream id gets a 200 and an immediate close (4.6).
void Api::output_stream(const X& x, const Params& p, bool stderr) {
  auto entry = streams_->find(p.at("streamid"));
  auto connection = x->hijack(200, "");
  if (!entry || connection->fd() < 0) return connection->finish();
  // A dup of our own: the connection may close meanwhile, and its fd number
  // be reused, while the worker hands the socket to the shim.
  auto socket = std::make_shared<UniqueFd>(::fcntl(connection->fd(), F_DUPFD_CLOEXEC, 3));
  async<process_tracker::Attachment>(
      [this, entry = *entry, socket, stderr] {
        process_tracker::StreamFds fds;
        (stderr ? fds.stderr_fd : fds.stdout_fd) = socket->get();
        auto attachment = containerizer_.open_attachment(entry.handle, entry.process_id, fds);
        socket->reset();
        return attachment;
      },
      [this, connection, entry = *entry](Result<process_tracker::Attachment> attachment) {
        if (!attachment) return connection->finish();
        auto session = std::make_unique<OutputSession>(
            loop_, connection, hooks_for(entry.handle, entry.process_id, ""));
        OutputSession* raw = session.get();
        sessions_[raw] = std::move(session);
        raw->start(std::move(*attachment));
      });
}

}  // namespace dmc::garden
