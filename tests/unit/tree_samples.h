#pragma once
// Synthetic processes for the tree tests (aggregation, exit credit): an
// identity, a parent, and CPU times; everything else left unread.
#include <cstdint>
#include <string>

#include "probes/process_sample.h"

namespace proctree::testing {

inline ProcessSample TreeProc(std::int64_t pid, std::int64_t ppid, std::uint64_t start, double utime,
                              double cutime = 0, double stime = 0, double cstime = 0) {
  ProcessSample s;
  s.pid = pid;
  s.ppid = ppid;
  s.start_time_ticks = start;
  s.comm = "p" + std::to_string(pid);
  s.cpu_user_seconds.set(utime);
  s.children_user_seconds.set(cutime);
  s.cpu_system_seconds.set(stime);
  s.children_system_seconds.set(cstime);
  return s;
}

}  // namespace proctree::testing
