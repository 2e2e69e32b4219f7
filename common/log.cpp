#include "common/log.hpp"

#include <unistd.h>

#include "common/clock.hpp"
#include "common/json.hpp"

namespace dmc {
namespace {

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Error: return "error";
    case LogLevel::Fatal: return "fatal";
    case LogLevel::Off: return "off";
  }
  return "info";
}

}  // namespace

Result<LogLevel> parse_log_level(std::string_view name) {
  for (auto level : {LogLevel::Debug, LogLevel::Info, LogLevel::Error, LogLevel::Fatal,
                     LogLevel::Off}) {
    if (name == level_name(level)) return level;
  }
  return make_error(ErrorKind::Invalid,
                    "invalid log level '{}': use debug, info, error, fatal or off", name);
}

void Logger::debug(std::string_view message, LogData data) const {
  write(LogLevel::Debug, message, data, nullptr);
}

void Logger::info(std::string_view message, LogData data) const {
  write(LogLevel::Info, message, data, nullptr);
}

void Logger::error(std::string_view message, const Error& err, LogData data) const {
  write(LogLevel::Error, message, data, &err);
}

void Logger::write(LogLevel level, std::string_view message, LogData data,
                   const Error* err) const {
  if (!enabled(level) || level_ == LogLevel::Off) return;
  std::string line = fmt::format(
      R"({{"timestamp":{},"level":{},"source":{},"message":{},"data":{{)",
      json::quote(rfc3339(now_ns())), json::quote(level_name(level)), json::quote(source_),
      json::quote(fmt::format("{}.{}", source_, message)));
  const char* sep = "";
  for (const auto& [key, value] : data) {
    line += fmt::format("{}{}:{}", sep, json::quote(key), json::quote(value));
    sep = ",";
  }
  if (err) line += fmt::format("{}\"error\":{}", sep, json::quote(err->message));
  line += "}}\n";
  (void)!::write(fd_, line.data(), line.size());
}

}  // namespace dmc
