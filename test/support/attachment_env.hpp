// Attachments to processes of a real container, for the integration
// tests of process_tracker's Attachment: a container, a Tracker of the
// test's own on its processes, and bounded waits for exit and output.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "process_tracker/tracker.hpp"
#include "support/machine.hpp"

namespace dmc::test {

using process_tracker::Attachment;
using process_tracker::StreamFds;

// Attaching never execs: a Tracker needs no runtime for it.
class NoExec : public process_tracker::ExecCommand {
 public:
  [[nodiscard]] std::vector<std::string> argv(const std::string&,
                                              const process_tracker::ExecArgs&) const override {
    return {};
  }
  [[nodiscard]] Error failure(ChildExit, std::string_view) const override {
    return make_error(ErrorKind::Internal, "no exec here");
  }
};

// A container with a Tracker of the test's own on its processes.
struct AttachEnv {
  AttachEnv() : handle(dmc.create()) {}

  std::string run(const std::vector<std::string>& options, const std::vector<std::string>& argv) {
    std::vector<std::string> args = {"run", handle, "--detach"};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), argv.begin(), argv.end());
    auto r = dmc.dmc(args);
    REQUIRE_MESSAGE(r.code == 0, r.err);
    return r.out.substr(0, r.out.find('\n'));
  }
  Attachment open(const std::string& id, const StreamFds& fds) {
    auto a = tracker.open_attachment(processes(), id, fds);
    REQUIRE_MESSAGE(a, a.error().message);
    return std::move(*a);
  }
  [[nodiscard]] std::string processes() const { return dmc.depot() + "/" + handle + "/processes"; }
  [[nodiscard]] std::string file(const std::string& id, const std::string& name) const {
    return processes() + "/" + id + "/" + name;
  }

  DmcEnv dmc;
  std::string handle;
  NoExec exec;
  process_tracker::Tracker tracker{process_tracker::TrackerConfig{}, exec, Logger()};
};

inline bool readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) == 1;
}

// Polls the attachment's fd (for up to 30 s, so that a bug fails the test
// instead of hanging it), then reads the answer.
inline Result<std::optional<int>> wait_exit(Attachment& a) {
  for (int i = 0; i < 300; ++i) {
    if (!readable(a.fd(), 100)) continue;
    auto status = a.exit_status();
    if (!status || *status) return status;
  }
  FAIL("no exit status within 30 s");
  return std::nullopt;
}

inline int exit_of(Attachment& a) {
  auto status = wait_exit(a);
  REQUIRE_MESSAGE(status, status.error().message);
  REQUIRE(*status);
  return **status;
}

// As a server does: a shim that was leaving as the attachment connected
// (its work done) closes without a word (Unavailable); a new attachment
// then reads the record.
inline int exit_or_reopen(AttachEnv& env, Attachment& a, const std::string& id) {
  auto status = wait_exit(a);
  if (!status && status.error().kind == ErrorKind::Unavailable) {
    Attachment again = env.open(id, {});
    return exit_of(again);
  }
  REQUIRE_MESSAGE(status, status.error().message);
  REQUIRE(*status);
  return **status;
}

// Reads fd until it holds `want` (or 30 s passed); what it read.
inline std::string read_until(int fd, const std::string& want) {
  std::string got;
  char buf[4096];
  for (int i = 0; i < 300 && got.find(want) == std::string::npos; ++i) {
    if (!readable(fd, 100)) continue;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace dmc::test
