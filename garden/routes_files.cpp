// StreamIn and StreamOut (sections 3.10 and 3.11): tar bytes between the
// client's connection and nstar, through a pipe, with the extraction or the
// archiving off the loop.
#include <fcntl.h>
#include <unistd.h>

#include "common/fs.hpp"
#include "garden/api.hpp"

namespace dmc::garden {
namespace {

void drain(int fd) {
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0 || (n < 0 && errno == EINTR)) continue;
    return;
  }
}

// Both the body and the extraction have ended: the answer.
struct StreamInJoin {
  std::optional<Result<void>> body;
  std::optional<Result<std::string>> work;
};

}  // namespace

void Api::stream_in(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  std::string destination = x->request().param("destination").value_or("");
  std::string user = x->request().param("user").value_or("");
  auto pipe = open_pipe();
  if (!pipe) return fail(x, pipe.error(), handle);
  auto read_end = std::make_shared<UniqueFd>(std::move(pipe->first));
  auto join = std::make_shared<StreamInJoin>();
  auto settle = [this, x, handle, join] {
    if (!join->body || !join->work) return;
    answer(x, std::move(*join->work), handle);
  };
  x->pipe_body(std::move(pipe->second), [join, settle](Result<void> r) {
    join->body = std::move(r);
    settle();
  });
  async<std::string>(
      [this, handle, destination, user, read_end]() -> Result<std::string> {
        auto streamed = containerizer_.stream_in(handle, user, destination, read_end->get());
        // What the extraction left unread is read and dropped, so that the
        // client can send its whole body and then read the answer.
        drain(read_end->get());
        read_end->reset();
        if (!streamed) {
          if (streamed.error().kind == ErrorKind::ContainerNotFound) return streamed.error();
          return make_error(streamed.error().kind, "error streaming in: {}",
                            streamed.error().message);
        }
        return empty_json();
      },
      [join, settle](Result<std::string> r) {
        join->work = std::move(r);
        settle();
      });
}

void Api::stream_out(const X& x, const Params& p) {
  std::string handle = p.at("handle");
  std::string source = x->request().param("source").value_or("");
  std::string user = x->request().param("user").value_or("");
  auto pipe = open_pipe();
  if (!pipe) return fail(x, pipe.error(), handle);
  auto write_end = std::make_shared<UniqueFd>(std::move(pipe->second));
  x->stream_from(std::move(pipe->first), "application/x-tar");
  async<std::string>(
      [this, handle, source, user, write_end]() -> Result<std::string> {
        auto streamed = containerizer_.stream_out(handle, user, source, write_end->get());
        write_end->reset();  // EOF for the loop's reader
        if (!streamed) return streamed.error();
        return std::string();
      },
      [this, x, handle](Result<std::string> r) {
        if (r) return x->end_stream(std::nullopt);
        logger_.error("stream_out.failed", r.error(), {{"handle", handle}});
        auto wire = error_json(r.error(), handle);
        Response response;
        response.status = wire.status;
        response.body = std::move(wire.body);
        x->end_stream(std::move(response));
      });
}

}  // namespace dmc::garden
