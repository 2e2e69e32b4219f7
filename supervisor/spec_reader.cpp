#include "supervisor/spec_reader.hpp"

#include <strings.h>

#include <limits>

namespace dmc::supervisor::spec {

Error invalid(std::string_view where, std::string_view what) {
  if (where.empty()) return make_error(ErrorKind::Invalid, "{}", what);
  return make_error(ErrorKind::Invalid, "{}: {}", where, what);
}

std::string child(std::string_view where, std::string_view key) {
  if (where.empty()) return std::string(key);
  return fmt::format("{}.{}", where, key);
}

std::string item(std::string_view where, size_t index) {
  return fmt::format("{}[{}]", where, index);
}

const Value* find(const Value& object, std::string_view key) {
  for (const auto& m : object.GetObject()) {
    std::string_view name(m.name.GetString(), m.name.GetStringLength());
    if (name.size() == key.size() && ::strncasecmp(name.data(), key.data(), key.size()) == 0) {
      return m.value.IsNull() ? nullptr : &m.value;
    }
  }
  return nullptr;
}

Result<std::optional<int>> get_int(const Value& object, std::string_view where,
                                   std::string_view key) {
  const Value* v = find(object, key);
  if (!v) return std::optional<int>();
  if (!v->IsInt64() || v->GetInt64() < std::numeric_limits<int>::min() ||
      v->GetInt64() > std::numeric_limits<int>::max()) {
    return invalid(where, fmt::format("{} must be an integer", key));
  }
  return std::optional<int>(static_cast<int>(v->GetInt64()));
}

Result<std::optional<std::string>> get_string(const Value& object, std::string_view where,
                                              std::string_view key) {
  const Value* v = find(object, key);
  if (!v) return std::optional<std::string>();
  if (!v->IsString()) return invalid(where, fmt::format("{} must be a string", key));
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<bool>> get_bool(const Value& object, std::string_view where,
                                     std::string_view key) {
  const Value* v = find(object, key);
  if (!v) return std::optional<bool>();
  if (!v->IsBool()) return invalid(where, fmt::format("{} must be true or false", key));
  return std::optional<bool>(v->GetBool());
}

Result<const Value*> get_object(const Value& object, std::string_view where,
                                std::string_view key) {
  const Value* v = find(object, key);
  if (v && !v->IsObject()) return invalid(where, fmt::format("{} must be an object", key));
  return v;
}

Result<const Value*> get_array(const Value& object, std::string_view where,
                               std::string_view key) {
  const Value* v = find(object, key);
  if (v && !v->IsArray()) return invalid(where, fmt::format("{} must be an array", key));
  return v;
}

Result<std::vector<std::string>> strings(const Value& array, std::string_view where) {
  std::vector<std::string> out;
  for (const auto& v : array.GetArray()) {
    if (!v.IsString()) return invalid(where, "must be an array of strings");
    out.emplace_back(v.GetString(), v.GetStringLength());
  }
  return out;
}

}  // namespace dmc::supervisor::spec
