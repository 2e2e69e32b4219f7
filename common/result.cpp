#include "common/result.hpp"

namespace dmc {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Invalid: return "invalid";
    case ErrorKind::NotFound: return "not found";
    case ErrorKind::AlreadyExists: return "already exists";
    case ErrorKind::Unavailable: return "unavailable";
    case ErrorKind::Internal: return "internal";
    case ErrorKind::ContainerNotFound: return "container not found";
    case ErrorKind::ProcessNotFound: return "process not found";
    case ErrorKind::ExecutableNotFound: return "executable not found";
    case ErrorKind::NotExecutable: return "not executable";
    case ErrorKind::ContainerNotRunning: return "container not running";
    case ErrorKind::ProcessLost: return "process lost";
  }
  return "internal";
}

}  // namespace dmc
