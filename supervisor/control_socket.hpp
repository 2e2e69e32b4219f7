// The process-control socket of a service (quarks / kubecf): a unix
// datagram socket at a path inside the container. A datagram "STOP",
// "START" or "QUIT" (surrounding whitespace trimmed, case-sensitive) is a
// command; anything else is ignored. Bound from the host through the
// container's rootfs (the overlay mount the container's / is), so that it
// needs nothing in the container and survives in no process but ours.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "common/unique_fd.hpp"

namespace dmc::supervisor {

enum class Command { Stop, Start, Quit };
std::string_view to_string(Command command);
// The command a datagram holds, or nullopt for anything else.
std::optional<Command> parse_command(std::string_view datagram);

class ControlSocket {
 public:
  // Binds path (absolute, inside the container) under rootfs, making its
  // directory when missing; a stale socket there (a supervisor that died)
  // is replaced; anything else there is an error. Every lookup stays
  // inside rootfs, whatever links the container has put on the way.
  static Result<ControlSocket> bind(const std::string& rootfs, const std::string& path);
  ControlSocket(ControlSocket&&) = default;
  ControlSocket& operator=(ControlSocket&&) = default;
  ~ControlSocket() = default;  // the file stays: a restarted supervisor binds it again

  [[nodiscard]] int fd() const { return socket_.get(); }
  // The next command waiting (non-blocking): skips datagrams that are not
  // commands; nullopt when none is left.
  std::optional<Command> receive() const;
  // Whether the socket file is still the one bound (the container may
  // have removed or replaced it: then bind again).
  [[nodiscard]] bool still_bound() const;
  // Writes or removes files next to the socket: <dir>/<name>, name taken
  // relative to the socket's directory.
  Result<void> put_file(const std::string& name, std::string_view content) const;
  void remove_file(const std::string& name) const;
  // Removes the socket file (the service is removed).
  void unlink() const;

 private:
  ControlSocket(UniqueFd socket, UniqueFd dir, std::string name, uint64_t inode);

  UniqueFd socket_;
  UniqueFd dir_;  // the socket's directory in the container (O_PATH)
  std::string name_;
  uint64_t inode_ = 0;
};

// kubecf's names next to PROC_containerrun.sock: PROC_containerrun.running
// (exists while the service runs) and PROC.pid (its pid in the container).
struct Sentinels {
  std::string running;
  std::string pid;
};
Sentinels sentinels_of(const std::string& socket_path);

}  // namespace dmc::supervisor
