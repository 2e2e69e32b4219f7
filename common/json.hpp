// Checked access to RapidJSON values: every read validates the shape first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "common/result.hpp"

namespace dmc::json {

using Value = rapidjson::Value;
using Document = rapidjson::Document;

// Parses one JSON value; trailing garbage is an error. `what` names the input.
Result<Document> parse(std::string_view text, std::string_view what);
Result<Document> parse_file(const std::string& path);

// The member, or nullptr when absent or null.
const Value* member(const Value& object, const char* key);

Result<std::string> get_string(const Value& object, const char* key);
Result<std::optional<std::string>> get_optional_string(const Value& object, const char* key);
Result<std::optional<int64_t>> get_optional_int64(const Value& object, const char* key);
Result<std::optional<uint64_t>> get_optional_uint64(const Value& object, const char* key);
Result<std::optional<bool>> get_optional_bool(const Value& object, const char* key);
Result<const Value*> get_object(const Value& object, const char* key);
Result<const Value*> get_optional_object(const Value& object, const char* key);
Result<const Value*> get_optional_array(const Value& object, const char* key);

std::string to_string(const Value& value, bool pretty = false);

// A JSON string literal for s, with quotes and Go-style escapes.
std::string quote(std::string_view s);

}  // namespace dmc::json
