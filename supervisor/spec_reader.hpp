// Reading a user's pod spec: members found case-insensitively (Go's
// encoding/json matches keys so, and pod-controller's users rely on it),
// every access checked, and every error one Invalid line naming where it is
// (`containers[1].livenessProbe: periodSeconds must be >= 1`).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "common/result.hpp"

namespace dmc::supervisor::spec {

using json::Value;

// "<where>: <what>", Invalid; at the top level (where empty) just what.
Error invalid(std::string_view where, std::string_view what);
// where + ".key", or key at the top level.
std::string child(std::string_view where, std::string_view key);
// where + "[index]".
std::string item(std::string_view where, size_t index);

// The member whose key equals key ignoring ASCII case; nullptr when absent
// or null. object must be an object.
const Value* find(const Value& object, std::string_view key);

// Optional members of an object, of one type each; a member of another type
// is Invalid, naming where and the key.
Result<std::optional<int>> get_int(const Value& object, std::string_view where,
                                   std::string_view key);
Result<std::optional<std::string>> get_string(const Value& object, std::string_view where,
                                              std::string_view key);
Result<std::optional<bool>> get_bool(const Value& object, std::string_view where,
                                     std::string_view key);
Result<const Value*> get_object(const Value& object, std::string_view where,
                                std::string_view key);
Result<const Value*> get_array(const Value& object, std::string_view where,
                               std::string_view key);
// Every element of an array a string; where names the array.
Result<std::vector<std::string>> strings(const Value& array, std::string_view where);

}  // namespace dmc::supervisor::spec
