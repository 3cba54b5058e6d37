#pragma once
// What an OS module can say about a process after it is gone: one record per
// exited thread, enough to credit its last counters to the groups and
// subtrees it belonged to (docs/exits.md).
#include <cstddef>
#include <cstdint>
#include <string>

namespace proctree {

enum class ExitReason : std::uint8_t { kNormal, kNonzeroExit, kSignal, kCount };
const char* ExitReasonName(ExitReason r);

struct ExitRecord {
  std::int64_t pid = 0;   // the thread
  std::int64_t tgid = 0;  // its process
  std::int64_t ppid = 0;  // the parent when it exited (a subreaper, after reparenting)
  // The process's (thread group's) start, in the same clock ticks since boot
  // as ProcessSample::start_time_ticks, estimated from the kernel's elapsed
  // time: match it within kExitStartToleranceTicks.
  std::uint64_t start_time_ticks = 0;
  std::string comm;
  std::uint32_t uid = 0;
  ExitReason reason = ExitReason::kNormal;
  // The thread's own counters (never its reaped children's).
  double cpu_user_seconds = 0, cpu_system_seconds = 0;
  std::uint64_t minor_faults = 0, major_faults = 0;
  std::uint64_t ctx_voluntary = 0, ctx_involuntary = 0;
  std::uint64_t read_chars = 0, write_chars = 0, read_syscalls = 0, write_syscalls = 0;
  std::uint64_t read_bytes = 0, write_bytes = 0;
};

// How far a record's estimated start may be from the scan's: the estimate
// is off by the delay between exit and receipt plus rounding (a few ms), and
// a pid is not reused within half a second (pid_max wraps take minutes).
constexpr std::uint64_t kExitStartToleranceTicks = 50;

// What the exit listener saw go wrong, as running totals.
struct ExitStats {
  std::uint64_t lost = 0;           // records the kernel could not deliver (receive buffer full)
  std::uint64_t overflows = 0;      // ENOBUFS reports, each for one or more lost records
  std::uint64_t queue_dropped = 0;  // records received but not kept (queue full between scrapes)
  std::uint64_t unparsed = 0;       // messages in a layout we do not know
};

struct ExitAccountingOptions {
  std::uint64_t receive_buffer_bytes = 4u << 20;
  std::size_t max_queued_records = 200000;
};

}  // namespace proctree
