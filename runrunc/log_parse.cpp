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
bool crun_says_not_found(std::string_view message, std::string_view id) {
  std::string id_s(id);
  return (message.starts_with("error opening file `") &&
          message.ends_with("/" + id_s + "/status`: No such file or directory")) ||
         (message.starts_with("cannot open directory '") &&
          message.ends_with("/" + id_s + "': No such file or directory"));
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

}  // namespace dmc::runrunc
