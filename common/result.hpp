// Errors are values: every fallible function returns Result<T>.
#pragma once

#include <cerrno>
#include <cstring>
#include <expected>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace dmc {

// What an error is about, decided where the fact is known; front doors map
// a kind to an exit code or a protocol error and never search a message.
enum class ErrorKind {
  Invalid,              // the caller asked for something malformed
  NotFound,             // no such file, key, property (the generic case)
  AlreadyExists,        // handle or process id taken
  Unavailable,          // try again later: locked, busy, runtime missing
  Internal,             // anything else: a syscall or the runtime failed
  ContainerNotFound,    // no container has that handle
  ProcessNotFound,      // the container has no process of that id
  ExecutableNotFound,   // the program to run does not exist
  NotExecutable,        // the program exists but cannot be executed
  ContainerNotRunning,  // its init is gone (dead, or its pid reused), or it is half-made
  ProcessLost,          // its shim died while it ran: its exit status is unknowable
};

std::string_view to_string(ErrorKind kind);

// A kind, a lowercase message with its context first, and the errno if any.
struct Error {
  ErrorKind kind = ErrorKind::Internal;
  std::string message;
  int err = 0;

  // "context: message", keeping kind and errno.
  [[nodiscard]] Error wrap(std::string_view context) const {
    return Error{kind, fmt::format("{}: {}", context, message), err};
  }
};

template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result(Error e) : std::expected<T, Error>(std::unexpect, std::move(e)) {}
};

template <class... Args>
Error make_error(ErrorKind kind, fmt::format_string<Args...> f, Args&&... args) {
  return Error{kind, fmt::format(f, std::forward<Args>(args)...), 0};
}

// An error from a failed syscall: "what: strerror(errno)".
inline Error sys_error(std::string_view what, int err = errno) {
  ErrorKind kind = ErrorKind::Internal;
  if (err == ENOENT) kind = ErrorKind::NotFound;
  if (err == EEXIST || err == ENOTEMPTY) kind = ErrorKind::AlreadyExists;
  if (err == EINVAL) kind = ErrorKind::Invalid;
  if (err == EAGAIN || err == EWOULDBLOCK || err == EBUSY) kind = ErrorKind::Unavailable;
  return Error{kind, fmt::format("{}: {}", what, std::strerror(err)), err};
}

// Propagate an error from a Result<U> expression; yields its value otherwise.
#define DMC_TRY(var, expr)                                   \
  auto var##_result_ = (expr);                               \
  if (!var##_result_) return std::move(var##_result_).error(); \
  auto var = std::move(*var##_result_)

#define DMC_CHECK(expr)                                      \
  do {                                                       \
    auto dmc_check_result_ = (expr);                         \
    if (!dmc_check_result_) return std::move(dmc_check_result_).error(); \
  } while (0)

}  // namespace dmc
