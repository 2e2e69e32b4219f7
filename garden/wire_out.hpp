// What Garden clients read, written as the Go server writes it (sections
// 5 and 6 of garden-protocol.md): CamelCase keys where Go has no tags,
// integers without decimals, `{}` for routes without a payload.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/result.hpp"
#include "containerizer/containerizer.hpp"

namespace dmc::garden {

// The error object and its status: 404 for the two not-found types, 500
// for everything else; the type is decided by the error's kind, never by
// its message.
struct WireError {
  int status = 500;
  std::string body;
};
WireError error_json(const Error& error, const std::string& handle = "",
                     const std::string& process_id = "");
// The error object alone (for the "Err" of bulk entries).
std::string error_object(const Error& error, const std::string& handle,
                         const std::string& process_id);

std::string empty_json();  // "{}\n"
std::string handle_json(const std::string& handle);
std::string handles_json(const std::vector<std::string>& handles);
// ContainerInfo (6.1); running: the ids of the processes that run.
std::string info_object(const containerizer::ContainerInfo& info,
                        const std::vector<std::string>& running);
std::string metrics_object(const containerizer::Metrics& metrics);
std::string capacity_json(uint64_t memory, uint64_t disk, uint64_t max_containers);
std::string memory_limits_json(const containerizer::Limits& limits);
std::string cpu_limits_json(const containerizer::Limits& limits);
std::string properties_json(const std::map<std::string, std::string>& properties);
std::string property_json(const std::string& value);
// {"<handle>":{"<key>":<object>,"Err":<error or null>},...}: objects and
// errors are JSON texts already.
struct BulkEntry {
  std::string handle;
  std::string object;  // empty: the zero value
  std::string error;   // empty: null
};
std::string bulk_json(const char* key, const std::vector<BulkEntry>& entries);
// Process-connection messages (4.4).
std::string stream_message(const std::string& process_id, const std::string& stream_id);
std::string exit_message(const std::string& process_id, int status);
std::string error_message(const std::string& process_id, const std::string& error);

}  // namespace dmc::garden
