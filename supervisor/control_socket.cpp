#include "supervisor/control_socket.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include "common/fs.hpp"
#include "process_tracker/process_builder.hpp"

namespace dmc::supervisor {
namespace {

constexpr size_t kMaxDatagram = 256;  // longer ones are not commands
constexpr std::string_view kSocketSuffix = "_containerrun.sock";

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  size_t begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::string at_fd(int dir_fd, const std::string& name) {
  return fmt::format("/proc/self/fd/{}/{}", dir_fd, name);
}

// A socket left by a supervisor that died is replaced; a file of the
// container's is not ours to remove.
Result<void> clear_stale(int dir_fd, const std::string& name, const std::string& path) {
  struct stat st {};
  if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};
    return sys_error(fmt::format("control socket {}", path));
  }
  if (!S_ISSOCK(st.st_mode)) {
    return make_error(ErrorKind::Invalid, "control socket {}: a file that is not a socket is there",
                      path);
  }
  if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
    return sys_error(fmt::format("control socket {}: remove the stale one", path));
  }
  return {};
}

Result<UniqueFd> bound_socket(int dir_fd, const std::string& name, const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return sys_error("control socket: socket");
  UniqueFd socket(fd);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string via = at_fd(dir_fd, name);
  if (via.size() >= sizeof address.sun_path) {
    return make_error(ErrorKind::Invalid, "control socket {}: name too long", path);
  }
  via.copy(address.sun_path, via.size());
  if (::bind(socket.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return sys_error(fmt::format("control socket {}: bind", path));
  }
  if (::chmod(via.c_str(), 0660) != 0) return sys_error(fmt::format("control socket {}: chmod", path));
  return socket;
}

}  // namespace

std::string_view to_string(Command command) {
  switch (command) {
    case Command::Stop: return "STOP";
    case Command::Start: return "START";
    case Command::Quit: return "QUIT";
  }
  return "STOP";
}

std::optional<Command> parse_command(std::string_view datagram) {
  std::string_view word = trim(datagram);
  for (auto command : {Command::Stop, Command::Start, Command::Quit}) {
    if (word == to_string(command)) return command;
  }
  return std::nullopt;
}

ControlSocket::ControlSocket(UniqueFd socket, UniqueFd dir, std::string name, uint64_t inode)
    : socket_(std::move(socket)), dir_(std::move(dir)), name_(std::move(name)), inode_(inode) {}

Result<ControlSocket> ControlSocket::bind(const std::string& rootfs, const std::string& path) {
  std::string dir_path = parent_of(path);
  std::string name = path.substr(path.rfind('/') + 1);
  DMC_CHECK(process_tracker::make_dirs_in_root(rootfs, dir_path, 0, 0));
  DMC_TRY(dir, process_tracker::open_in_root(rootfs, dir_path, O_PATH | O_DIRECTORY));
  DMC_CHECK(clear_stale(dir.get(), name, path));
  DMC_TRY(socket, bound_socket(dir.get(), name, path));
  struct stat st {};
  if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return sys_error(fmt::format("control socket {}", path));
  }
  return ControlSocket(std::move(socket), std::move(dir), std::move(name), st.st_ino);
}

std::optional<Command> ControlSocket::receive() const {
  char buffer[kMaxDatagram + 1];
  for (;;) {
    ssize_t n = ::recv(socket_.get(), buffer, sizeof buffer, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;  // EAGAIN: none left
    }
    if (static_cast<size_t>(n) > kMaxDatagram) continue;  // too long to be a command
    if (auto command = parse_command({buffer, static_cast<size_t>(n)})) return command;
  }
}

bool ControlSocket::still_bound() const {
  struct stat st {};
  if (::fstatat(dir_.get(), name_.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  return S_ISSOCK(st.st_mode) && st.st_ino == inode_;
}

Result<void> ControlSocket::put_file(const std::string& name, std::string_view content) const {
  int fd = ::openat(dir_.get(), name.c_str(),
                    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error(fmt::format("control socket: write {}", name));
  UniqueFd file(fd);
  return write_all(file.get(), content);
}

void ControlSocket::remove_file(const std::string& name) const {
  ::unlinkat(dir_.get(), name.c_str(), 0);
}

void ControlSocket::unlink() const {
  if (still_bound()) ::unlinkat(dir_.get(), name_.c_str(), 0);
}

Sentinels sentinels_of(const std::string& socket_path) {
  std::string name = socket_path.substr(socket_path.rfind('/') + 1);
  std::string proc = name;
  if (name.ends_with(kSocketSuffix)) {
    proc = name.substr(0, name.size() - kSocketSuffix.size());
  } else if (auto dot = name.rfind('.'); dot != std::string::npos && dot > 0) {
    proc = name.substr(0, dot);
  }
  return {proc + "_containerrun.running", proc + ".pid"};
}

}  // namespace dmc::supervisor
