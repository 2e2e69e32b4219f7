#include "journal/event.hpp"

#include "common/clock.hpp"
#include "common/json.hpp"

namespace dmc::journal {
namespace {

std::string text_of(const json::Value& value) {
  if (value.IsString()) return {value.GetString(), value.GetStringLength()};
  return json::to_string(value);
}

}  // namespace

Field string_field(std::string key, std::string_view value) {
  return {std::move(key), json::quote(value)};
}
Field int_field(std::string key, int64_t value) { return {std::move(key), std::to_string(value)}; }
Field uint_field(std::string key, uint64_t value) {
  return {std::move(key), std::to_string(value)};
}
Field bool_field(std::string key, bool value) { return {std::move(key), value ? "true" : "false"}; }

std::string Event::field(std::string_view key) const {
  for (const auto& [k, v] : fields) {
    if (k == key) return v;
  }
  return {};
}

std::string format_line(int64_t time_ns, std::string_view handle, std::string_view type,
                        const Fields& fields) {
  std::string line = fmt::format(R"({{"time":{},"handle":{},"type":{})", time_ns,
                                 json::quote(handle), json::quote(type));
  for (const auto& f : fields) line += fmt::format(",{}:{}", json::quote(f.key), f.json);
  line += "}\n";
  return line;
}

Result<Event> parse_line(std::string_view line) {
  DMC_TRY(doc, json::parse(line, "event"));
  if (!doc.IsObject()) return make_error(ErrorKind::Invalid, "event: not an object");
  Event event;
  DMC_TRY(time, json::get_optional_int64(doc, "time"));
  DMC_TRY(handle, json::get_string(doc, "handle"));
  DMC_TRY(type, json::get_string(doc, "type"));
  if (!time) return make_error(ErrorKind::Invalid, "event: no time");
  event.time_ns = *time;
  event.handle = std::move(handle);
  event.type = std::move(type);
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    std::string key(it->name.GetString(), it->name.GetStringLength());
    if (key == "time" || key == "handle" || key == "type") continue;
    event.fields.emplace_back(std::move(key), text_of(it->value));
  }
  event.line = std::string(line);
  return event;
}

std::string human_line(const Event& event) {
  std::string out = fmt::format("{} {} {}", rfc3339(event.time_ns), event.type, event.handle);
  for (const auto& [k, v] : event.fields) out += fmt::format(" {}={}", k, v);
  return out + "\n";
}

}  // namespace dmc::journal
