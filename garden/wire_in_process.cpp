// ProcessSpec (4.1), the messages of a process connection (4.3), and the
// small bodies of SetGraceTime, SetProperty and Stop.
#include "garden/wire_checked.hpp"
#include "garden/wire_in.hpp"

namespace dmc::garden {
namespace {

using namespace wire;

// A present key sets soft = hard = value (section 4.1). Garden's keys are
// ulimit's names ("nofile"), which the containerizer checks and maps.
Result<std::vector<oci::Rlimit>> rlimits_of(const Value& spec) {
  std::vector<oci::Rlimit> out;
  DMC_TRY(rlimits, object_of(spec, "rlimits", "rlimits"));
  if (!rlimits) return out;
  for (const auto& m : rlimits->GetObject()) {
    std::string key(m.name.GetString(), m.name.GetStringLength());
    if (m.value.IsNull()) continue;
    if (!m.value.IsUint64()) return invalid("rlimits", fmt::format("{} is not a number", key));
    out.push_back({.type = key, .hard = m.value.GetUint64(), .soft = m.value.GetUint64()});
  }
  return out;
}

Result<std::optional<oci::ConsoleSize>> window_of(const Value& tty, std::string_view what) {
  DMC_TRY(size, object_of(tty, "window_size", what));
  if (!size) return std::optional<oci::ConsoleSize>();
  DMC_TRY(cols, uint_or_zero(size, "columns", what));
  DMC_TRY(rows, uint_or_zero(size, "rows", what));
  if (cols > 0xffff || rows > 0xffff) return invalid(what, "window size over 65535");
  oci::ConsoleSize window;
  if (cols) window.width = static_cast<unsigned>(cols);
  if (rows) window.height = static_cast<unsigned>(rows);
  return std::optional<oci::ConsoleSize>(window);
}

// Peas: processes with an image, bind mounts or limits of their own.
Result<void> refuse_peas(const Value& spec) {
  constexpr std::string_view what = "process spec";
  DMC_TRY(image, object_of(spec, "image", what));
  if (image) {
    DMC_TRY(uri, field(json::get_optional_string(*image, "uri"), what));
    if (!uri.value_or("").empty()) {
      return make_error(ErrorKind::Invalid, "processes with their own image are not supported");
    }
  }
  DMC_TRY(mounts, field(json::get_optional_array(spec, "bind_mounts"), what));
  if (mounts && !mounts->Empty()) {
    return make_error(ErrorKind::Invalid,
                      "Running a process with bind mounts and no image provided is not allowed");
  }
  DMC_TRY(limits, object_of(spec, "limits", what));
  if (limits && !limits->ObjectEmpty()) {
    for (const char* key : {"cpu_limits", "memory_limits"}) {
      DMC_TRY(sub, object_of(*limits, key, what));
      if (sub && !sub->ObjectEmpty()) {
        return make_error(ErrorKind::Invalid,
                          "processes with their own image are not supported");
      }
    }
  }
  return {};
}

}  // namespace

Result<process_tracker::ProcessSpec> parse_process_spec(std::string_view body) {
  constexpr std::string_view what = "process spec";
  DMC_TRY(doc, parse_object(body, what));
  DMC_CHECK(refuse_peas(doc));
  process_tracker::ProcessSpec spec;
  DMC_TRY(id, field(json::get_optional_string(doc, "id"), what));
  if (!id.value_or("").empty()) spec.id = *id;
  DMC_TRY(path, field(json::get_optional_string(doc, "path"), what));
  spec.path = path.value_or("");
  if (spec.path.empty()) return invalid(what, "path is empty");
  DMC_TRY(args, strings_of(doc, "args", what));
  spec.args = std::move(args);
  DMC_TRY(env, strings_of(doc, "env", what));
  spec.env = std::move(env);
  DMC_TRY(dir, field(json::get_optional_string(doc, "dir"), what));
  spec.dir = dir.value_or("");
  DMC_TRY(user, field(json::get_optional_string(doc, "user"), what));
  spec.user = user.value_or("");
  DMC_TRY(rlimits, rlimits_of(doc));
  spec.rlimits = std::move(rlimits);
  DMC_TRY(tty, object_of(doc, "tty", what));
  if (tty) {
    spec.tty = true;
    DMC_TRY(window, window_of(*tty, what));
    spec.window = window.value_or(oci::ConsoleSize{});
  }
  return spec;
}

Result<Payload> parse_payload(std::string_view line) {
  constexpr std::string_view what = "process message";
  DMC_TRY(doc, parse_object(line, what));
  Payload p;
  DMC_TRY(source, field(json::get_optional_int64(doc, "source"), what));
  p.source = source;
  DMC_TRY(data, field(json::get_optional_string(doc, "data"), what));
  p.data = std::move(data);
  DMC_TRY(signal, field(json::get_optional_int64(doc, "signal"), what));
  p.signal = signal;
  DMC_TRY(tty, object_of(doc, "tty", what));
  p.tty = tty != nullptr;
  if (tty) {
    DMC_TRY(window, window_of(*tty, what));
    p.window = window;
  }
  return p;
}

Result<int64_t> parse_grace_time(std::string_view body) {
  DMC_TRY(doc, json::parse(body, "grace time"));
  if (!doc.IsInt64() || doc.GetInt64() < 0) {
    return invalid("grace time", "not a non-negative integer of nanoseconds");
  }
  return doc.GetInt64();
}

Result<std::string> parse_property_value(std::string_view body) {
  DMC_TRY(doc, parse_object(body, "property"));
  DMC_TRY(value, field(json::get_optional_string(doc, "value"), "property"));
  return value.value_or("");
}

Result<bool> parse_stop(std::string_view body) {
  DMC_TRY(doc, parse_object(body, "stop request"));
  DMC_TRY(kill, field(json::get_optional_bool(doc, "kill"), "stop request"));
  return kill.value_or(false);
}

}  // namespace dmc::garden
