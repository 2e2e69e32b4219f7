// What Garden clients send, read from JSON into the containerizer's terms
// (garden-protocol.md sections 3.3, 4.1 and 4.3). Every field is checked
// for its type; what dmc does not have (networking, remote images, peas)
// is refused with a plain error that says so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::garden {

struct ContainerSpec {
  containerizer::CreateRequest request;
  int64_t grace_time_ns = 0;  // 0: the server's default
};
Result<ContainerSpec> parse_container_spec(std::string_view body);

Result<process_tracker::ProcessSpec> parse_process_spec(std::string_view body);

// One message on a process connection (section 4.3). Absent and null are
// nullopt; a present 0 is a value.
struct Payload {
  std::optional<int64_t> source;
  std::optional<std::string> data;
  std::optional<int64_t> signal;
  bool tty = false;  // a "tty" object was sent
  std::optional<oci::ConsoleSize> window;
};
Result<Payload> parse_payload(std::string_view line);

// SetGraceTime's body: a bare integer of nanoseconds.
Result<int64_t> parse_grace_time(std::string_view body);
// SetProperty's body: {"value":"v"}.
Result<std::string> parse_property_value(std::string_view body);
// Stop's body: {"kill":bool}.
Result<bool> parse_stop(std::string_view body);

// The container's rootfs dir for an image URI (section 3.3): "" (the
// default), an absolute path, or raw:///path. Other schemes are refused.
Result<std::string> image_dir(std::string_view uri);

}  // namespace dmc::garden
