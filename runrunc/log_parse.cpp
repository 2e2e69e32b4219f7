// Reading what the runtime wrote to its --log file.
//
// runc (logrus):  {"level":"error","msg":"container does not exist","time":"..."}
// crun:           {"msg":"container `web-1` already exists","level":"error","time":"..."}
// Both may also write lines that are not JSON (a runtime killed mid-write, or
// an early failure printed as plain text); such a line is taken as an error.
#include <optional>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "runrunc/internal.hpp"

namespace dmc::runrunc {
namespace {

std::string_view trim(std::string_view s) {
  const char* space = " \t\r\n";
  size_t first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

bool is_error_level(std::string_view level) {
  return level == "error" || level == "fatal" || level == "panic";
}

// The error text a log line carries, if it is an error line.
std::optional<std::string> error_text(std::string_view line) {
  auto doc = json::parse(line, "runtime log line");
  if (!doc || !doc->IsObject()) return std::string(line);
  auto level = json::get_optional_string(*doc, "level");
  if (!level || !*level || !is_error_level(**level)) return std::nullopt;
  auto msg = json::get_optional_string(*doc, "msg");
  if (!msg || !*msg) return std::nullopt;
  return **msg;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

// crun names the missing state file or directory of the container:
//   error opening file `<root>/<id>/status`: No such file or directory
//   cannot open directory '<root>/<id>': No such file or directory
// An empty id (exec_failure does not know it) matches any container's.
bool crun_says_not_found(std::string_view message, std::string_view id) {
  std::string dir = id.empty() ? "" : "/" + std::string(id);
  return (message.starts_with("error opening file `") &&
          message.ends_with(dir + "/status`: No such file or directory")) ||
         (message.starts_with("cannot open directory '") &&
          message.ends_with(dir + "': No such file or directory"));
}

std::optional<ErrorKind> why_not_started(std::string_view reason, std::string_view missing,
                                         std::string_view not_dir, std::string_view denied,
                                         std::string_view not_permitted) {
  if (reason == missing || reason == not_dir) return ErrorKind::ExecutableNotFound;
  if (reason == denied || reason == not_permitted) return ErrorKind::NotExecutable;
  return std::nullopt;
}

// runc 1.1 looks the program up (Go's exec.LookPath) before it execs:
//   exec failed: unable to start container process: exec: "<name>": <reason>
// with <reason> "executable file not found in $PATH", "stat <path>: no such
// file or directory", "stat <path>: not a directory", or "permission
// denied" (a directory, or a file without an x bit).
std::optional<ErrorKind> runc_exec_kind(std::string_view message) {
  constexpr std::string_view kLookup = "unable to start container process: exec: \"";
  size_t at = message.find(kLookup);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = message.substr(at + kLookup.size());
  size_t end = rest.rfind("\": ");
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view reason = rest.substr(end + 3);
  if (reason == "executable file not found in $PATH") return ErrorKind::ExecutableNotFound;
  if (reason.starts_with("stat ")) reason = reason.substr(reason.rfind(": ") + 2);
  return why_not_started(reason, "no such file or directory", "not a directory",
                         "permission denied", "operation not permitted");
}

// crun 1.8 finds the program, then opens it:
//   executable file `<name>` not found in $PATH: No such file or directory
//   open executable: <strerror>   (EACCES: no x bit; EPERM: a directory)
std::optional<ErrorKind> crun_exec_kind(std::string_view message) {
  if (message.starts_with("executable file `") && contains(message, "` not found in $PATH")) {
    return ErrorKind::ExecutableNotFound;
  }
  constexpr std::string_view kOpen = "open executable: ";
  if (!message.starts_with(kOpen)) return std::nullopt;
  return why_not_started(message.substr(kOpen.size()), "No such file or directory",
                         "Not a directory", "Permission denied", "Operation not permitted");
}

}  // namespace

std::vector<std::string_view> log_lines(std::string_view log) {
  std::vector<std::string_view> lines;
  while (!log.empty()) {
    size_t end = log.find('\n');
    std::string_view line = trim(log.substr(0, end));
    log = end == std::string_view::npos ? std::string_view() : log.substr(end + 1);
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string last_error_message(std::string_view log) {
  std::string last;
  for (std::string_view line : log_lines(log)) {
    if (auto text = error_text(line)) last = std::move(*text);
  }
  return last;
}

std::string_view flavor_name(Flavor flavor) {
  return flavor == Flavor::Crun ? "crun" : "runc";
}

ErrorKind classify_error(std::string_view message, std::string_view id) {
  if (contains(message, "container does not exist")) return ErrorKind::NotFound;  // runc
  if (crun_says_not_found(message, id)) return ErrorKind::NotFound;
  if (contains(message, "container with given ID already exists")) {  // runc
    return ErrorKind::AlreadyExists;
  }
  if (contains(message, fmt::format("container `{}` already exists", id))) {  // crun
    return ErrorKind::AlreadyExists;
  }
  return ErrorKind::Internal;
}

ErrorKind classify_exec_error(std::string_view message, std::string_view id) {
  if (auto kind = runc_exec_kind(message)) return *kind;
  if (auto kind = crun_exec_kind(message)) return *kind;
  return classify_error(message, id);
}

}  // namespace dmc::runrunc
