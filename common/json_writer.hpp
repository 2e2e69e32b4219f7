// Writing JSON with RapidJSON: the few helpers every writer of dmc uses.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace dmc::json {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

inline void key(Writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}

inline void string(Writer& w, std::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

inline void string_member(Writer& w, std::string_view name, std::string_view value) {
  key(w, name);
  string(w, value);
}

inline void strings(Writer& w, std::string_view name, const std::vector<std::string>& values) {
  key(w, name);
  w.StartArray();
  for (const auto& v : values) string(w, v);
  w.EndArray();
}

// Writes one value with write(Writer&) and returns the text.
template <class F>
std::string write(F&& write_value) {
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  write_value(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace dmc::json
