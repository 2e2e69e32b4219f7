// The real ProbeTarget: a dmc container, through the Containerizer. An exec
// runs under the shim like any process, is killed when it times out, and
// its record is forgotten afterwards (a probe every 10 s for days must not
// pile records up); sockets are made in the container's network namespace.
#pragma once

#include <array>
#include <chrono>
#include <string>

#include "containerizer/containerizer.hpp"
#include "supervisor/probe_target.hpp"

namespace dmc::supervisor {

class ContainerProbeTarget final : public ProbeTarget {
 public:
  // Exec probes run as user (as ProcessSpec::user; empty: root): give the
  // probed process's own.
  ContainerProbeTarget(containerizer::Containerizer& containerizer, std::string handle,
                       std::string user = "");

  Result<ExecResult> exec(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout) override;
  Result<UniqueFd> tcp_socket() override;

 private:
  // Attaches to the started process id and waits for its exit until
  // deadline, then kills it; its output comes through pipe.
  Result<ExecResult> await(const std::string& id, std::array<UniqueFd, 2>& pipe,
                           std::chrono::steady_clock::time_point deadline) const;
  // The exit status, waited for until deadline (nullopt then), reading
  // output meanwhile.
  Result<std::optional<int>> wait_exit(const std::string& id, process_tracker::Attachment& a,
                                       int out_fd, std::chrono::steady_clock::time_point deadline,
                                       std::string& output) const;
  // The exit status its record holds, once it has one.
  [[nodiscard]] std::optional<int> recorded_exit(const std::string& id) const;
  // The host pid of process id; 0 when unknown.
  [[nodiscard]] int pid_of(const std::string& id) const;
  // Kills a timed-out process, and what it started, and waits (bounded) until it is gone.
  Result<void> kill(const std::string& id, process_tracker::Attachment& a, int out_fd,
                    std::string& output) const;
  // Forgets the record once its shim let go of it, waiting a little for
  // that; a record left (the shim lingered) is pruned with the others.
  void forget(const std::string& id) const;

  containerizer::Containerizer& containerizer_;
  std::string handle_;
  std::string user_;
};

}  // namespace dmc::supervisor
