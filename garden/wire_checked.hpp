// Checked reads of JSON request bodies, shared by wire_in*.cpp (private
// to garden): every read says what was wrong, as an Invalid error.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "common/result.hpp"

namespace dmc::garden::wire {

using json::Value;

inline Error invalid(std::string_view what, std::string_view why) {
  return make_error(ErrorKind::Invalid, "invalid {}: {}", what, why);
}

inline Result<json::Document> parse_object(std::string_view body, std::string_view what) {
  DMC_TRY(doc, json::parse(body, what));
  if (!doc.IsObject()) return invalid(what, "not a JSON object");
  return doc;
}

// A member that must be an object when present (null is absent).
inline Result<const Value*> object_of(const Value& v, const char* key, std::string_view what) {
  auto o = json::get_optional_object(v, key);
  if (!o) return invalid(what, o.error().message);
  return *o;
}

inline Result<std::vector<std::string>> strings_of(const Value& v, const char* key,
                                            std::string_view what) {
  std::vector<std::string> out;
  auto a = json::get_optional_array(v, key);
  if (!a) return invalid(what, a.error().message);
  if (!*a) return out;
  for (const auto& item : (*a)->GetArray()) {
    if (!item.IsString()) return invalid(what, fmt::format("{} must hold strings", key));
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

template <class T>
Result<T> field(Result<T> r, std::string_view what) {
  if (!r) return invalid(what, r.error().message);
  return r;
}

inline Result<uint64_t> uint_or_zero(const Value* object, const char* key, std::string_view what) {
  if (!object) return uint64_t{0};
  DMC_TRY(v, field(json::get_optional_uint64(*object, key), what));
  return v.value_or(0);
}


}  // namespace dmc::garden::wire
