#include "common/json.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "common/fs.hpp"

namespace dmc::json {
namespace {

Error wrong_type(const char* key, const char* type) {
  return make_error(ErrorKind::Invalid, "field \"{}\" must be {}", key, type);
}

}  // namespace

Result<Document> parse(std::string_view text, std::string_view what) {
  Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) {
    return make_error(ErrorKind::Invalid, "{}: invalid json at offset {}: {}", what,
                      doc.GetErrorOffset(), rapidjson::GetParseError_En(doc.GetParseError()));
  }
  return doc;
}

Result<Document> parse_file(const std::string& path) {
  DMC_TRY(text, read_file(path));
  return parse(text, path);
}

const Value* member(const Value& object, const char* key) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

Result<std::string> get_string(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (!v) return make_error(ErrorKind::Invalid, "field \"{}\" is missing", key);
  if (!v->IsString()) return wrong_type(key, "a string");
  return std::string(v->GetString(), v->GetStringLength());
}

Result<std::optional<std::string>> get_optional_string(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (!v) return std::optional<std::string>();
  if (!v->IsString()) return wrong_type(key, "a string");
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<int64_t>> get_optional_int64(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (!v) return std::optional<int64_t>();
  if (!v->IsInt64()) return wrong_type(key, "an integer");
  return std::optional<int64_t>(v->GetInt64());
}

Result<std::optional<uint64_t>> get_optional_uint64(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (!v) return std::optional<uint64_t>();
  if (!v->IsUint64()) return wrong_type(key, "a non-negative integer");
  return std::optional<uint64_t>(v->GetUint64());
}

Result<std::optional<bool>> get_optional_bool(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (!v) return std::optional<bool>();
  if (!v->IsBool()) return wrong_type(key, "a boolean");
  return std::optional<bool>(v->GetBool());
}

Result<const Value*> get_object(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (!v) return make_error(ErrorKind::Invalid, "field \"{}\" is missing", key);
  if (!v->IsObject()) return wrong_type(key, "an object");
  return v;
}

Result<const Value*> get_optional_object(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v && !v->IsObject()) return wrong_type(key, "an object");
  return v;
}

Result<const Value*> get_optional_array(const Value& object, const char* key) {
  const Value* v = member(object, key);
  if (v && !v->IsArray()) return wrong_type(key, "an array");
  return v;
}

std::string to_string(const Value& value, bool pretty) {
  rapidjson::StringBuffer buffer;
  if (pretty) {
    rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buffer);
    writer.SetIndent(' ', 2);
    value.Accept(writer);
  } else {
    rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
    value.Accept(writer);
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string quote(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace dmc::json
