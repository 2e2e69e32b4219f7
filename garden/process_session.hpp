// The server's side of Garden's process connections (section 4): the
// stream ids that lead stdout and stderr connections to a process, a Run or
// Attach connection (stdin, signals, resizes in; the first message and the
// exit status out), and a stdout or stderr connection, whose socket the
// process's shim writes into itself, so that what reached the client is
// known to the byte even if dmcd dies.
#pragma once

#include <uv.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "garden/exit_watch.hpp"
#include "garden/http_exchange.hpp"

namespace dmc::garden {

// Stream ids: one per Run or Attach, a random non-zero uint32 in decimal,
// kept 60 s after the process exits (section 4.6). In memory only: after a
// restart, clients attach again and get new ones. The number is also the
// token of the shim's reservation (process_tracker's StreamFds): the Run or
// Attach attachment reserves the place its stdout and stderr connections
// start at; random, so that a shim that outlives this dmcd never takes a
// later dmcd's token for one of its own.
class StreamRegistry {
 public:
  explicit StreamRegistry(uv_loop_t* loop) : loop_(loop) {}
  struct Entry {
    std::string handle;
    std::string process_id;
    uint32_t token = 0;
    uint64_t expires_ms = 0;  // 0: the process still runs
  };
  // A token no stream id has: drawn before the attachment opens.
  uint32_t new_token();
  // The stream id of token, which leads to this process from now on.
  std::string add(uint32_t token, const std::string& handle, const std::string& process_id);
  void ended(const std::string& stream_id);
  std::optional<Entry> find(const std::string& stream_id);

 private:
  void prune();
  uv_loop_t* loop_;
  std::map<std::string, Entry> entries_;
};

// What a session needs of the server.
struct SessionHooks {
  // Opens a new attachment off the loop (no fds: it learns the exit), then
  // calls back on the loop.
  std::function<void(std::function<void(Result<process_tracker::Attachment>)>)> reopen;
  // The session is over: the server lets it go (not from inside this call).
  std::function<void(class Session*)> ended;
};

class Session {
 public:
  virtual ~Session() = default;
};

// A Run or Attach connection.
class ProcessSession : public Session {
 public:
  ProcessSession(uv_loop_t* loop, Logger logger, std::string process_id,
                 std::shared_ptr<Hijacked> connection, std::unique_ptr<StdinPipe> stdin_pipe,
                 std::shared_ptr<void> hold, SessionHooks hooks);
  ~ProcessSession() override;
  // Sends the first message and serves the connection until the exit.
  void start(const std::string& stream_id, process_tracker::Attachment attachment);

 private:
  void watch(process_tracker::Attachment attachment);
  void on_input(std::string_view data);
  void on_message(std::string_view line);
  void on_exit(Result<int> status);
  void end_stdin();
  void finish(std::string last_message);
  void disconnected();

  uv_loop_t* loop_;
  Logger logger_;
  std::string process_id_;
  std::shared_ptr<Hijacked> connection_;
  std::unique_ptr<StdinPipe> stdin_;
  std::shared_ptr<void> hold_;
  SessionHooks hooks_;
  std::unique_ptr<ExitWatch> watch_;
  std::string input_;
  bool over_ = false;
};

// A stdout or stderr connection: the shim writes into it; when the process
// ended and everything reached it, it closes.
class OutputSession : public Session {
 public:
  OutputSession(uv_loop_t* loop, std::shared_ptr<Hijacked> connection, SessionHooks hooks);
  ~OutputSession() override;
  void start(process_tracker::Attachment attachment);

 private:
  void end();
  uv_loop_t* loop_;
  std::shared_ptr<Hijacked> connection_;
  SessionHooks hooks_;
  std::unique_ptr<ExitWatch> watch_;
  bool over_ = false;
};

}  // namespace dmc::garden
