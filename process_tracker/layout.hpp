// One directory per process, <depot>/<handle>/processes/<id>/:
//
//   shim.lock         flock'ed (exclusive) by whoever owns the record: the
//                     `dmc run` making it, then its shim, for the shim's whole
//                     life (the run hands its locked description over). The
//                     kernel lets go when the shim dies: a record whose lock
//                     can be taken has no live shim, and is finished.
//   spec.json         the ProcessSpec as asked (for ps)
//   process.json      the OCI process given to `runtime exec --process`
//   runtime.log       the runtime's JSON log of that exec
//   shim.pid          "<pid> <start time>": the shim's pid, and its start
//                     time (field 22 of /proc/<pid>/stat) that proves it
//   shim.sock         the shim's SOCK_SEQPACKET socket; clients attach here
//   console.sock      tty only: where the runtime sends the pty master
//   pid               the process's host pid, written by the runtime
//   pid.start         the process's start time, written by the shim just
//                     after it reported the start; a pid is signalled without
//                     the shim only when a pidfd of it shows this start time
//                     (a shim killed before writing it leaves a process that
//                     is reported lost and not signalled)
//   stdout.spool      output not yet delivered to any client, per stream:
//   stderr.spool      stream byte b at file offset b - base
//   stdout.state      "<base> <delivered>\n" (two 20-digit numbers): the
//   stderr.state      spool's base, and the first byte no client received
//   exit_status       "N\n" once the process ended: its code, or 128+signal
//   delivered         made once the output and the exit status reached a
//                     client; only such records are pruned (kKeptDelivered)
//
// Records are built as .new-<id>-<random> (locked first) and renamed into
// place, so that a record is never seen unowned while it is being made.
//
// What survives a shim killed at any moment (kill -9): every byte written to
// the spool, which a later attach gets from the spool from <delivered> on.
// The state is rewritten (one pwrite, in place) before the spool restarts
// at a new base, before space is punched out of it, and after each flush
// to a client; so an attach never misses a spooled byte, and gets a byte a
// second time only if a client received it in the instant between the
// shim's write to that client and its update of the state. Lost with the
// shim are the bytes it had read but not yet written anywhere: at most one
// read (64 KiB) per stream, or what it held in memory while the disk was
// full. The exit status of a process whose shim died while it ran is
// unknown: it is reported `lost`, never made up.
//
// The shim removes shim.sock and the spools when it exits with everything
// delivered; exit_status stays until the record is pruned or the container
// is destroyed. A shim whose process ended, with nothing left but spooled
// output and no client, waits a few seconds for one, then exits too: the
// spools and their state stay, and a later attach gets them from the record.
#pragma once

#include <cstddef>
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
inline constexpr std::string_view kLock = "shim.lock";
inline constexpr std::string_view kPidStart = "pid.start";
inline constexpr std::string_view kStdoutState = "stdout.state";
inline constexpr std::string_view kStderrState = "stderr.state";
inline constexpr std::string_view kDelivered = "delivered";
inline constexpr std::string_view kNewPrefix = ".new-";

// Delivered records kept per container; older ones are pruned whenever a
// record becomes delivered (by its shim as it exits, or by an attach that
// read the status from disk). `dmc run --help` says so.
inline constexpr size_t kKeptDelivered = 100;

// Stands in the runtime argv given to the shim for the console socket path,
// which only the shim knows (it is reached through the shim's own fd table).
inline constexpr std::string_view kConsoleSocketPlaceholder = "@CONSOLE_SOCKET@";

}  // namespace dmc::process_tracker::names
