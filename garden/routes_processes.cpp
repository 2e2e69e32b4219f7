// The process routes (section 4): Run and Attach, whose connections carry
// JSON messages, and the stdout and stderr connections, handed to the shim.
// Each Run or Attach opens its attachment with its stream id's token, which
// reserves in the shim the place its stream connections, opened with the
// same token, start at: all output after the request reaches them, even if
// another attacher received it first (section 4.6).
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
    uint32_t token = streams_->new_token();
    async<Started>(
        [this, handle, spec = std::move(*spec), read_end, token]() -> Result<Started> {
          auto id = containerizer_.run(handle, spec);
          if (!id && id.error().kind == ErrorKind::AlreadyExists && spec.id) {
            return make_error(ErrorKind::AlreadyExists, "process ID '{}' already in use",
                              *spec.id);
          }
          if (!id) return id.error();
          process_tracker::StreamFds fds{
              .stdin_fd = read_end->get(), .stdin_eof_closes = false, .token = token};
          DMC_TRY(attachment, containerizer_.open_attachment(handle, *id, fds));
          read_end->reset();
          return Started{*id, std::move(attachment)};
        },
        [this, x, handle, writer, token](Result<Started> started) {
          if (!started) return fail(x, started.error(), handle);
          start_session(x, 201, handle, started->id, token, std::move(started->attachment),
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
  uint32_t token = streams_->new_token();
  async<process_tracker::Attachment>(
      [this, handle, id, read_end, token] {
        process_tracker::StreamFds fds{
            .stdin_fd = read_end->get(), .stdin_eof_closes = false, .token = token};
        auto attachment = containerizer_.open_attachment(handle, id, fds);
        read_end->reset();
        return attachment;
      },
      [this, x, handle, id, writer, token](Result<process_tracker::Attachment> attachment) {
        if (!attachment) return fail(x, attachment.error(), handle, id);
        start_session(x, 200, handle, id, token, std::move(*attachment), std::move(*writer));
      });
}

void Api::start_session(const X& x, int status, const std::string& handle, const std::string& id,
                        uint32_t token, process_tracker::Attachment attachment,
                        std::unique_ptr<StdinPipe> stdin_pipe) {
  auto connection = x->hijack(status, "application/json");
  std::string stream_id = streams_->add(token, handle, id);
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
        // Starts where the Run or Attach reserved, in the shim, under the token.
        process_tracker::StreamFds fds{.token = entry.token};
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
