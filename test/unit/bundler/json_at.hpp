// Checked reads of parsed JSON for tests: a missing key or a wrong type fails
// the test instead of tripping RapidJSON's assertions.
#pragma once

#include <doctest/doctest.h>

#include <rapidjson/document.h>
#include <rapidjson/pointer.h>

#include <string>
#include <vector>

namespace dmc::test {

inline rapidjson::Document parse_json(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

// The value at a JSON pointer such as "/linux/resources/memory/limit".
inline const rapidjson::Value& at(const rapidjson::Value& root, const char* pointer) {
  const rapidjson::Value* v = rapidjson::Pointer(pointer).Get(root);
  INFO("json pointer ", pointer);
  REQUIRE(v != nullptr);
  return *v;
}

inline bool has(const rapidjson::Value& root, const char* pointer) {
  return rapidjson::Pointer(pointer).Get(root) != nullptr;
}

inline std::string str_at(const rapidjson::Value& root, const char* pointer) {
  const auto& v = at(root, pointer);
  REQUIRE(v.IsString());
  return std::string(v.GetString(), v.GetStringLength());
}

inline int64_t int_at(const rapidjson::Value& root, const char* pointer) {
  const auto& v = at(root, pointer);
  REQUIRE(v.IsInt64());
  return v.GetInt64();
}

inline uint64_t uint_at(const rapidjson::Value& root, const char* pointer) {
  const auto& v = at(root, pointer);
  REQUIRE(v.IsUint64());
  return v.GetUint64();
}

inline bool bool_at(const rapidjson::Value& root, const char* pointer) {
  const auto& v = at(root, pointer);
  REQUIRE(v.IsBool());
  return v.GetBool();
}

inline std::vector<std::string> strings_at(const rapidjson::Value& root, const char* pointer) {
  const auto& v = at(root, pointer);
  REQUIRE(v.IsArray());
  std::vector<std::string> out;
  for (const auto& item : v.GetArray()) {
    REQUIRE(item.IsString());
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

inline std::size_t size_at(const rapidjson::Value& root, const char* pointer) {
  const auto& v = at(root, pointer);
  if (v.IsObject()) return v.MemberCount();
  REQUIRE(v.IsArray());
  return v.Size();
}

}  // namespace dmc::test
