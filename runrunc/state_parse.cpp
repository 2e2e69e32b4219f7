// The JSON `<runtime> state <id>` prints, read with checked getters only.
#include <climits>
#include <string_view>

#include "common/json.hpp"
#include "runrunc/internal.hpp"

namespace dmc::runrunc {
namespace {

// The runtime printed something we cannot read: its fault, not the caller's.
Error internal(Error cause) {
  cause.kind = ErrorKind::Internal;
  return cause;
}

Result<int> get_pid(const json::Value& object) {
  auto pid = json::get_optional_int64(object, "pid");
  if (!pid) return pid.error();
  if (!*pid) return make_error(ErrorKind::Invalid, "field \"pid\" is missing");
  if (**pid < 0 || **pid > INT_MAX) {
    return make_error(ErrorKind::Invalid, "field \"pid\" is out of range: {}", **pid);
  }
  return static_cast<int>(**pid);
}

Result<State> read_state(const json::Value& object) {
  if (!object.IsObject()) return make_error(ErrorKind::Invalid, "not a json object");
  DMC_TRY(id, json::get_string(object, "id"));
  DMC_TRY(status, json::get_string(object, "status"));
  DMC_TRY(pid, get_pid(object));
  DMC_TRY(bundle, json::get_string(object, "bundle"));
  return State{.id = id, .status = status, .pid = pid, .bundle = bundle};
}

}  // namespace

Result<State> parse_state(std::string_view text) {
  auto doc = json::parse(text, "output");
  if (!doc) return internal(doc.error());
  auto state = read_state(*doc);
  if (!state) return internal(state.error().wrap("output"));
  return state;
}

}  // namespace dmc::runrunc
