#include "garden/wire_out.hpp"

#include <array>

#include "common/json.hpp"
#include "common/json_writer.hpp"

namespace dmc::garden {
namespace {

using json::Writer;

constexpr std::array<const char*, 32> kMemoryStat = {
    "active_anon", "active_file", "cache", "hierarchical_memory_limit", "inactive_anon",
    "inactive_file", "mapped_file", "pgfault", "pgmajfault", "pgpgin", "pgpgout", "rss",
    "total_active_anon", "total_active_file", "total_cache", "total_inactive_anon",
    "total_inactive_file", "total_mapped_file", "total_pgfault", "total_pgmajfault",
    "total_pgpgin", "total_pgpgout", "total_rss", "total_unevictable", "unevictable", "swap",
    "hierarchical_memsw_limit", "total_swap", "anon", "file", "swapcached", "shmem"};

std::string line(std::string text) { return text + "\n"; }

void uint_member(Writer& w, std::string_view name, uint64_t value) {
  json::key(w, name);
  w.Uint64(value);
}

const char* type_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::ContainerNotFound: return "ContainerNotFoundError";
    case ErrorKind::ProcessNotFound: return "ProcessNotFoundError";
    case ErrorKind::ExecutableNotFound:
    case ErrorKind::NotExecutable: return "ExecutableNotFoundError";
    default: return "";
  }
}

std::string state_of(containerizer::State state) {
  switch (state) {
    case containerizer::State::Running:
    case containerizer::State::Paused: return "active";  // Garden knows no paused state
    case containerizer::State::Stopped: return "stopped";
    default: return std::string(containerizer::to_string(state));
  }
}

// Guardian's event text for an OOM kill is "Out of memory".
std::string event_of(const std::string& event) {
  return event == "out of memory" ? "Out of memory" : event;
}

void string_map(Writer& w, const std::map<std::string, std::string>& values) {
  w.StartObject();
  for (const auto& [k, v] : values) json::string_member(w, k, v);
  w.EndObject();
}

}  // namespace

std::string error_object(const Error& error, const std::string& handle,
                         const std::string& process_id) {
  const char* type = type_of(error.kind);
  bool container = error.kind == ErrorKind::ContainerNotFound;
  bool process = error.kind == ErrorKind::ProcessNotFound;
  std::string message = container ? "unknown handle: " + handle
                        : process ? "unknown process: " + process_id
                                  : error.message;
  return json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "Type", type);
    json::string_member(w, "Message", message);
    json::string_member(w, "Handle", container ? handle : "");
    json::string_member(w, "ProcessID", process ? process_id : "");
    json::string_member(w, "Binary", "");
    w.EndObject();
  });
}

WireError error_json(const Error& error, const std::string& handle,
                     const std::string& process_id) {
  bool not_found = error.kind == ErrorKind::ContainerNotFound ||
                   error.kind == ErrorKind::ProcessNotFound;
  return {not_found ? 404 : 500, line(error_object(error, handle, process_id))};
}

std::string empty_json() { return "{}\n"; }

std::string handle_json(const std::string& handle) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "Handle", handle);
    w.EndObject();
  }));
}

std::string handles_json(const std::vector<std::string>& handles) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    json::strings(w, "Handles", handles);
    w.EndObject();
  }));
}

std::string info_object(const containerizer::ContainerInfo& info,
                        const std::vector<std::string>& running) {
  std::vector<std::string> events;
  for (const auto& e : info.events) events.push_back(event_of(e));
  return json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "State", state_of(info.status));
    json::strings(w, "Events", events);
    for (const char* k : {"HostIP", "ContainerIP", "ContainerIPv6", "ExternalIP"}) {
      json::string_member(w, k, "");
    }
    json::string_member(w, "ContainerPath", info.bundle_path);
    json::strings(w, "ProcessIDs", running);
    json::key(w, "Properties");
    string_map(w, info.properties);
    json::key(w, "MappedPorts");
    w.StartArray();
    w.EndArray();
    w.EndObject();
  });
}

std::string metrics_object(const containerizer::Metrics& m) {
  return json::write([&](Writer& w) {
    w.StartObject();
    json::key(w, "MemoryStat");
    w.StartObject();
    for (const char* k : kMemoryStat) {
      auto it = m.memory.stat.find(k);
      uint_member(w, k, it == m.memory.stat.end() ? 0 : it->second);
    }
    // Clients take 0 for "no container here": a container whose only task
    // is dmc's init (a few pages, kernel memory alone) reports what the
    // cgroup charges it, the figure its limit is held against.
    uint_member(w, "TotalUsageTowardLimit", m.memory.total_usage_toward_limit
                                                ? m.memory.total_usage_toward_limit
                                                : m.memory.usage);
    w.EndObject();
    json::key(w, "CPUStat");
    w.StartObject();
    uint_member(w, "Usage", m.cpu.usage_ns);
    uint_member(w, "User", m.cpu.user_ns);
    uint_member(w, "System", m.cpu.system_ns);
    w.EndObject();
    json::key(w, "DiskStat");
    w.StartObject();
    for (const char* k : {"TotalBytesUsed", "TotalInodesUsed", "ExclusiveBytesUsed",
                          "ExclusiveInodesUsed"}) {
      uint_member(w, k, 0);
    }
    w.EndObject();
    json::key(w, "NetworkStat");
    w.Null();
    json::key(w, "PidStat");
    w.StartObject();
    uint_member(w, "Current", m.pids.current);
    uint_member(w, "Max", m.pids.max);
    w.EndObject();
    json::key(w, "Age");
    w.Int64(m.age_ns);
    uint_member(w, "CPUEntitlement", 0);
    w.EndObject();
  });
}

std::string capacity_json(uint64_t memory, uint64_t disk, uint64_t max_containers) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    uint_member(w, "memory_in_bytes", memory);
    uint_member(w, "disk_in_bytes", disk);
    uint_member(w, "schedulable_disk_in_bytes", disk);
    uint_member(w, "max_containers", max_containers);
    w.EndObject();
  }));
}

std::string memory_limits_json(const containerizer::Limits& limits) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    if (limits.memory_bytes) uint_member(w, "limit_in_bytes", *limits.memory_bytes);
    w.EndObject();
  }));
}

std::string cpu_limits_json(const containerizer::Limits& limits) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    if (limits.cpu_shares) uint_member(w, "limit_in_shares", *limits.cpu_shares);
    w.EndObject();
  }));
}

std::string properties_json(const std::map<std::string, std::string>& properties) {
  return line(json::write([&](Writer& w) { string_map(w, properties); }));
}

std::string property_json(const std::string& value) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "value", value);
    w.EndObject();
  }));
}

std::string bulk_json(const char* key, const std::vector<BulkEntry>& entries) {
  std::string out = "{";
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& e = entries[i];
    if (i) out += ",";
    out += fmt::format("{}:{{\"{}\":{},\"Err\":{}}}", json::quote(e.handle), key,
                       e.object.empty() ? "{}" : e.object, e.error.empty() ? "null" : e.error);
  }
  return out + "}\n";
}

std::string stream_message(const std::string& process_id, const std::string& stream_id) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "process_id", process_id);
    json::string_member(w, "stream_id", stream_id);
    w.EndObject();
  }));
}

std::string exit_message(const std::string& process_id, int status) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "process_id", process_id);
    json::key(w, "exit_status");
    w.Int(status);
    w.EndObject();
  }));
}

std::string error_message(const std::string& process_id, const std::string& error) {
  return line(json::write([&](Writer& w) {
    w.StartObject();
    json::string_member(w, "process_id", process_id);
    json::string_member(w, "error", error);
    w.EndObject();
  }));
}

}  // namespace dmc::garden
