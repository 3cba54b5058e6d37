#pragma once
// Parses one taskstats exit message (generic netlink, TASKSTATS_CMD_NEW):
// the per-thread record (TASKSTATS_TYPE_AGGR_PID). The per-thread-group
// record the kernel adds for a process that had several threads carries only
// delay sums, so it is skipped: summing per-thread records by tgid counts
// every thread once.
#include <cstddef>
#include <cstdint>

#include "probes/exit_record.h"

namespace proctree {

enum class TaskstatsParse { kRecord, kNoRecord, kUnknownLayout };

struct ParsedExit {
  ExitRecord record;  // start_time_ticks not set: it needs the clock at receipt
  std::uint64_t group_elapsed_us = 0;  // ac_tgetime: since the thread group started
};

// The struct grows by version: fields are read from min(attribute length,
// known size) bytes, zero beyond; versions below 12 (no ac_tgid, ac_tgetime)
// and 15 (fields moved mid-struct, put back in 16) are refused.
TaskstatsParse ParseTaskstatsMessage(const void* data, std::size_t len, ParsedExit* out);

// Start in clock ticks since boot, from the boot-clock time at receipt.
std::uint64_t ExitStartTicks(std::uint64_t boottime_now_ns, std::uint64_t group_elapsed_us, double ticks_per_second);

}  // namespace proctree
