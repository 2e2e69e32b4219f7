// The shim's state and event loop (private to process_tracker).
#pragma once

#include <poll.h>
#include <sys/types.h>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log.hpp"
#include "common/unique_fd.hpp"
#include "process_tracker/output_stream.hpp"
#include "process_tracker/protocol.hpp"
#include "process_tracker/shim.hpp"
#include "process_tracker/shim_io.hpp"

namespace dmc::process_tracker {

struct ShimClient {
  ClientId id = 0;
  UniqueFd control;
  std::optional<ClientEnd> stdin_end;
  bool attached = false;
  bool stdin_eof_closes = true;  // else EOF on stdin_end only detaches it
  bool close_asked = false;      // CloseStdin: close at stdin_end's EOF
};

class Shim {
 public:
  explicit Shim(ShimOptions options);
  // Everything up to the process running (or the runtime failing).
  Result<void> start();
  // Serves clients until the process has ended and all output is delivered.
  void serve();
  void clean_up();

 private:
  // start
  Result<void> launch();
  Result<void> open_files();
  Result<void> open_doors();
  Result<void> block_signals();
  Result<std::array<UniqueFd, 3>> make_pipes();
  Result<void> run_runtime(const std::array<UniqueFd, 3>& child_ends);
  Result<void> wait_for_runtime();
  Result<void> take_console();
  void report_ready(const std::string& line);
  void record_start_time();
  std::vector<std::string> runtime_argv() const;

  // the container's journal (shim_journal.cpp)
  void note_cgroup();
  void journal_start();
  void journal_exit();

  // events
  void reap();
  void on_exit(int status);
  void write_exit_status();
  void retry_disk();
  [[nodiscard]] int poll_timeout() const;
  void accept_clients();
  void on_control(ShimClient& client);
  void attach(ShimClient& client, protocol::Message m, std::vector<UniqueFd> fds);
  void on_client_stdin(ShimClient& client);
  void close_stdin_asked(ShimClient& client);
  void client_gone(ShimClient& client);
  void flush_stdin();
  void close_process_stdin();
  void finish_clients();
  void drop(ClientId id);
  [[nodiscard]] bool done() const;
  [[nodiscard]] bool idle() const;
  [[nodiscard]] bool reserved() const;
  void note_idle();
  [[nodiscard]] bool output_finished() const;
  void build_polls();
  void dispatch();

  ShimOptions options_;
  Logger logger_;
  UniqueFd lock_;  // the record's lock (layout.hpp), held until we exit
  UniqueFd dir_fd_;
  UniqueFd log_fd_;
  UniqueFd signal_fd_;
  UniqueFd listener_;
  UniqueFd console_listener_;
  std::vector<std::unique_ptr<OutputStream>> streams_;  // stdout, then stderr (no tty)
  UniqueFd stdin_;                                      // the process's stdin
  std::string stdin_buffer_;
  bool stdin_eof_ = false;
  std::vector<std::unique_ptr<ShimClient>> clients_;
  ClientId next_client_ = 1;
  pid_t runtime_pid_ = -1;
  std::optional<int> runtime_status_;
  pid_t process_pid_ = -1;
  std::map<pid_t, int> reaped_;
  std::string memory_cgroup_;  // the process's, from /proc/<pid>/cgroup
  std::optional<int> exit_code_;
  bool exit_written_ = false;  // exit_status is on disk
  bool exit_sent_ = false;     // a client got the exit status
  bool terminate_ = false;
  // Since when the shim has only undelivered spooled output to keep (see
  // idle()); it leaves after a linger.
  std::optional<std::chrono::steady_clock::time_point> idle_since_;

  enum class Slot { Signal, Listener, Source, Sink, Control, ClientStdin, ProcessStdin };
  struct PollEntry {
    Slot slot;
    size_t stream = 0;
    ClientId client = 0;
  };
  std::vector<pollfd> pollfds_;
  std::vector<PollEntry> entries_;
  std::array<char, 65536> buffer_;  // not zeroed: pages cost RSS only once used
};

}  // namespace dmc::process_tracker
