// Structured logs: one JSON object per line (lager style) on a file descriptor.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "common/result.hpp"

namespace dmc {

enum class LogLevel { Debug = 0, Info = 1, Error = 2, Fatal = 3, Off = 4 };

Result<LogLevel> parse_log_level(std::string_view name);

using LogData = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class Logger {
 public:
  Logger() = default;  // logs nothing
  Logger(std::string source, LogLevel level, int fd = 2)
      : source_(std::move(source)), level_(level), fd_(fd) {}

  // message is "component.action", e.g. "containerizer.create.done".
  void debug(std::string_view message, LogData data = {}) const;
  void info(std::string_view message, LogData data = {}) const;
  void error(std::string_view message, const Error& err, LogData data = {}) const;

  [[nodiscard]] bool enabled(LogLevel level) const { return level >= level_; }

 private:
  void write(LogLevel level, std::string_view message, LogData data,
             const Error* err) const;

  std::string source_ = "dmc";
  LogLevel level_ = LogLevel::Off;
  int fd_ = 2;
};

}  // namespace dmc
