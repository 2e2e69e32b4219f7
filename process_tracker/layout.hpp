// One directory per process, <depot>/<handle>/processes/<id>/:
//
//   spec.json         the ProcessSpec as asked (for ps)
//   process.json      the OCI process given to `runtime exec --process`
//   runtime.log       the runtime's JSON log of that exec
//   shim.pid          the shim's pid
//   shim.sock         the shim's SOCK_SEQPACKET socket; clients attach here
//   console.sock      tty only: where the runtime sends the pty master
//   pid               the process's host pid, written by the runtime
//   stdout.spool      output not yet delivered to any client, per stream
//   stderr.spool
//   exit_status       "N\n" once the process ended: its code, or 128+signal
//
// The shim removes shim.sock and the spools when it exits; exit_status stays
// until the container is destroyed.
#pragma once

#include <string_view>

namespace dmc::process_tracker::names {

inline constexpr std::string_view kSpec = "spec.json";
inline constexpr std::string_view kProcessJson = "process.json";
inline constexpr std::string_view kRuntimeLog = "runtime.log";
inline constexpr std::string_view kShimPid = "shim.pid";
inline constexpr std::string_view kShimSocket = "shim.sock";
inline constexpr std::string_view kConsoleSocket = "console.sock";
inline constexpr std::string_view kPid = "pid";
inline constexpr std::string_view kStdoutSpool = "stdout.spool";
inline constexpr std::string_view kStderrSpool = "stderr.spool";
inline constexpr std::string_view kExitStatus = "exit_status";

// Stands in the runtime argv given to the shim for the console socket path,
// which only the shim knows (it is reached through the shim's own fd table).
inline constexpr std::string_view kConsoleSocketPlaceholder = "@CONSOLE_SOCKET@";

}  // namespace dmc::process_tracker::names
