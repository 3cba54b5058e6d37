#pragma once
// The platform-neutral view of one process at one scrape, in base units
// (seconds, bytes). OS modules fill it; the exporter only reads it.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "probes/field.h"
#include "probes/scan_request.h"

namespace proctree {

// psutil's status names; the order is the export order.
enum class ProcessState : std::uint8_t {
  kRunning,
  kSleeping,
  kDiskSleep,
  kStopped,
  kTracingStop,
  kZombie,
  kDead,
  kWakeKill,
  kWaking,
  kParked,
  kIdle,
  kUnknown,
  kCount,
};

std::string_view ProcessStateName(ProcessState s);

struct ProcessSample {
  // Identity: (pid, start_time_ticks) is unique for the life of the host, so a
  // reused pid is a different process.
  std::int64_t pid = 0;
  std::uint64_t start_time_ticks = 0;
  std::int64_t ppid = 0;
  std::string comm;  // raw bytes as the kernel gives them; sanitized on export
  ProcessState state = ProcessState::kUnknown;
  bool kernel_thread = false;

  double start_time_seconds = 0;  // unix time

  Field<double> cpu_user_seconds;
  Field<double> cpu_system_seconds;
  Field<double> children_user_seconds;
  Field<double> children_system_seconds;
  Field<double> blkio_delay_seconds;
  Field<std::uint64_t> minor_faults;
  Field<std::uint64_t> major_faults;
  Field<std::uint64_t> children_minor_faults;  // of waited-for (reaped) children
  Field<std::uint64_t> children_major_faults;
  Field<std::int64_t> threads;
  Field<std::int64_t> nice;

  Field<std::uint32_t> uid;
  Field<std::uint64_t> voluntary_ctxt_switches;
  Field<std::uint64_t> involuntary_ctxt_switches;
  Field<std::uint64_t> memory_swap_bytes;

  Field<std::uint64_t> memory_rss_bytes;
  Field<std::uint64_t> memory_vms_bytes;
  Field<std::uint64_t> memory_shared_bytes;
  Field<std::uint64_t> memory_text_bytes;
  Field<std::uint64_t> memory_data_bytes;

  Field<std::uint64_t> io_read_bytes;
  Field<std::uint64_t> io_write_bytes;
  Field<std::uint64_t> io_read_chars;
  Field<std::uint64_t> io_write_chars;
  Field<std::uint64_t> io_read_syscalls;
  Field<std::uint64_t> io_write_syscalls;

  Field<std::uint64_t> open_fds;
  Field<double> sched_run_seconds;   // the thread-group leader's (schedstat)
  Field<double> sched_wait_seconds;  // runnable, waiting on a run queue
  Field<std::int64_t> oom_score_adj;
  Field<std::uint64_t> handles;  // Windows: open handles of any kind (read with kStat)
  Field<double> max_fds;  // +Inf when unlimited

  Field<std::string> exe;      // full path; " (deleted)" kept as the kernel writes it
  Field<std::string> cmdline;  // raw: arguments separated by NUL bytes
  bool cmdline_cut = false;    // cmdline holds only the first bytes of a longer one (a read limit)
  Field<std::string> cgroup;   // the cgroup path (its container id: container_id.h)
};

// (pid, start time) names a process for its whole life; a reused pid is a
// different process.
struct ProcessKey {
  std::int64_t pid = 0;
  std::uint64_t start = 0;
  bool operator==(const ProcessKey& o) const { return pid == o.pid && start == o.start; }
  bool operator<(const ProcessKey& o) const { return pid != o.pid ? pid < o.pid : start < o.start; }
};
struct ProcessKeyHash {
  std::size_t operator()(const ProcessKey& k) const {
    return std::hash<std::int64_t>()(k.pid) * 1000003u ^ std::hash<std::uint64_t>()(k.start);
  }
};
inline ProcessKey KeyOf(const ProcessSample& s) { return {s.pid, s.start_time_ticks}; }

// Copies into *to the fields `groups` feed, from a later read of the same
// process (phase 2 of a two-phase scan). kStat is identity and is not copied;
// the caller checks KeyOf(from) == KeyOf(*to) first. kStatus brings the real
// uid, which replaces the owner uid a phase-1 read takes from the directory.
void CopyGroups(const ProcessSample& from, FieldGroups groups, ProcessSample* to);

}  // namespace proctree
