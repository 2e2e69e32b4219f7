// process_template: the "process" object of a container's config.json read
// back into an oci::Process, every field checked before it is read.
#include <cstdint>
#include <limits>
#include <optional>

#include "common/json.hpp"
#include "process_tracker/process_builder.hpp"

namespace dmc::process_tracker {
namespace {

using json::Value;

// "where: what", or just "what" at the top of the process object.
Error invalid(std::string_view where, std::string_view what) {
  if (where.empty()) return make_error(ErrorKind::Invalid, "{}", what);
  return make_error(ErrorKind::Invalid, "{}: {}", where, what);
}

Result<std::vector<std::string>> strings(const Value& object, const char* key,
                                         std::string_view where) {
  auto read = json::get_optional_array(object, key);
  if (!read) return where.empty() ? read.error() : read.error().wrap(where);
  const Value* array = *read;
  std::vector<std::string> out;
  if (!array) return out;
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    const Value& item = (*array)[i];
    if (!item.IsString()) return invalid(where, fmt::format("{}[{}] must be a string", key, i));
    out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

Result<uint32_t> uint32_at(const Value& object, const char* key, std::string_view where) {
  auto read = json::get_optional_uint64(object, key);
  if (!read) return read.error().wrap(where);
  std::optional<uint64_t> value = *read;
  if (!value) return invalid(where, fmt::format("field \"{}\" is missing", key));
  if (*value > std::numeric_limits<uint32_t>::max()) {
    return invalid(where, fmt::format("field \"{}\" is out of range", key));
  }
  return static_cast<uint32_t>(*value);
}

Result<std::vector<uint32_t>> gids(const Value& user) {
  DMC_TRY(array, json::get_optional_array(user, "additionalGids"));
  std::vector<uint32_t> out;
  if (!array) return out;
  for (const Value& item : array->GetArray()) {
    if (!item.IsUint()) return invalid("user", "additionalGids must hold unsigned integers");
    out.push_back(item.GetUint());
  }
  return out;
}

Result<oci::User> user(const Value& process) {
  DMC_TRY(object, json::get_object(process, "user"));
  DMC_TRY(uid, uint32_at(*object, "uid", "user"));
  DMC_TRY(gid, uint32_at(*object, "gid", "user"));
  DMC_TRY(additional, gids(*object));
  return oci::User{uid, gid, std::move(additional)};
}

Result<std::optional<oci::ConsoleSize>> console_size(const Value& process) {
  DMC_TRY(object, json::get_optional_object(process, "consoleSize"));
  if (!object) return std::optional<oci::ConsoleSize>();
  DMC_TRY(height, uint32_at(*object, "height", "consoleSize"));
  DMC_TRY(width, uint32_at(*object, "width", "consoleSize"));
  return std::optional<oci::ConsoleSize>(oci::ConsoleSize{height, width});
}

Result<oci::Capabilities> capabilities(const Value& process) {
  DMC_TRY(object, json::get_optional_object(process, "capabilities"));
  if (!object) return oci::Capabilities{};
  DMC_TRY(bounding, strings(*object, "bounding", "capabilities"));
  DMC_TRY(effective, strings(*object, "effective", "capabilities"));
  DMC_TRY(inheritable, strings(*object, "inheritable", "capabilities"));
  DMC_TRY(permitted, strings(*object, "permitted", "capabilities"));
  DMC_TRY(ambient, strings(*object, "ambient", "capabilities"));
  return oci::Capabilities{std::move(bounding), std::move(effective), std::move(inheritable),
                           std::move(permitted), std::move(ambient)};
}

Result<oci::Rlimit> rlimit(const Value& item, size_t index) {
  std::string where = fmt::format("rlimits[{}]", index);
  if (!item.IsObject()) return invalid(where, "must be an object");
  auto type = json::get_string(item, "type");
  if (!type) return type.error().wrap(where);
  auto hard = json::get_optional_uint64(item, "hard");
  if (!hard) return hard.error().wrap(where);
  auto soft = json::get_optional_uint64(item, "soft");
  if (!soft) return soft.error().wrap(where);
  if (!*hard || !*soft) return invalid(where, "needs \"hard\" and \"soft\"");
  return oci::Rlimit{std::move(*type), **hard, **soft};
}

Result<std::vector<oci::Rlimit>> rlimits(const Value& process) {
  DMC_TRY(array, json::get_optional_array(process, "rlimits"));
  std::vector<oci::Rlimit> out;
  if (!array) return out;
  for (rapidjson::SizeType i = 0; i < array->Size(); ++i) {
    DMC_TRY(limit, rlimit((*array)[i], i));
    out.push_back(std::move(limit));
  }
  return out;
}

Result<oci::Process> process(const Value& object) {
  oci::Process out;
  DMC_TRY(terminal, json::get_optional_bool(object, "terminal"));
  DMC_TRY(size, console_size(object));
  DMC_TRY(usr, user(object));
  DMC_TRY(args, strings(object, "args", ""));
  DMC_TRY(env, strings(object, "env", ""));
  DMC_TRY(cwd, json::get_string(object, "cwd"));
  DMC_TRY(caps, capabilities(object));
  DMC_TRY(limits, rlimits(object));
  DMC_TRY(no_new_privileges, json::get_optional_bool(object, "noNewPrivileges"));
  out.terminal = terminal.value_or(false);
  out.console_size = size;
  out.user = std::move(usr);
  out.args = std::move(args);
  out.env = std::move(env);
  out.cwd = std::move(cwd);
  out.capabilities = std::move(caps);
  out.rlimits = std::move(limits);
  out.no_new_privileges = no_new_privileges.value_or(false);  // the OCI default
  return out;
}

}  // namespace

Result<oci::Process> process_template(std::string_view config_json) {
  DMC_TRY(doc, json::parse(config_json, "config.json"));
  if (!doc.IsObject()) return invalid("config.json", "not a json object");
  auto object = json::get_object(doc, "process");
  if (!object) return object.error().wrap("config.json");
  auto parsed = process(**object);
  if (!parsed) return parsed.error().wrap("config.json: process");
  return parsed;
}

}  // namespace dmc::process_tracker
