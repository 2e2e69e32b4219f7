// One event of a container's life, as one JSON line of its journal:
//   {"time":<ns since the epoch>,"handle":"h","type":"exit","process":"p","status":0}
// time, handle and type come first, then the type's fields in the order
// given: start-process {"process"}, exit {"process", "status" unless
// unknown}, oom {"count"}, stop {"kill"}, update {the limits given},
// service {"service", "action", then the action's fields: "by" for an ask,
// "process" and "reason" for a start or restart, "error", "result"}; create,
// pause, resume and destroy have none.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace dmc::journal {

namespace types {
inline constexpr std::string_view kCreate = "create";
inline constexpr std::string_view kStartProcess = "start-process";
inline constexpr std::string_view kExit = "exit";
inline constexpr std::string_view kOom = "oom";
inline constexpr std::string_view kPause = "pause";
inline constexpr std::string_view kResume = "resume";
inline constexpr std::string_view kStop = "stop";
inline constexpr std::string_view kUpdate = "update";
inline constexpr std::string_view kDestroy = "destroy";
inline constexpr std::string_view kService = "service";
}  // namespace types

// The process id of a container's init in exit events.
inline constexpr std::string_view kInitProcess = "init";

// A field of an event: its key and its value as JSON text.
struct Field {
  std::string key;
  std::string json;
};
using Fields = std::vector<Field>;

Field string_field(std::string key, std::string_view value);
Field int_field(std::string key, int64_t value);
Field uint_field(std::string key, uint64_t value);
Field bool_field(std::string key, bool value);

struct Event {
  int64_t time_ns = 0;
  std::string handle;
  std::string type;
  // The fields after type, as (key, value) with strings unquoted and
  // numbers and booleans as their JSON text.
  std::vector<std::pair<std::string, std::string>> fields;
  std::string line;  // the JSON line as stored, without its '\n'

  // The value of a field, or "" when the event has none.
  [[nodiscard]] std::string field(std::string_view key) const;
};

// The line (with its '\n') of an event.
std::string format_line(int64_t time_ns, std::string_view handle, std::string_view type,
                        const Fields& fields);
// One stored line (without '\n'); Invalid when it is not an event.
Result<Event> parse_line(std::string_view line);
// "2026-12-07T18:00:00.000000001Z exit h process=p status=0": for people.
std::string human_line(const Event& event);

}  // namespace dmc::journal
