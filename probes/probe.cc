#include "probes/probe.h"

namespace proctree {

std::string_view FeatureName(Feature f) {
  switch (f) {
    case Feature::kCpuTimes: return "cpu_times";
    case Feature::kChildrenCpuTimes: return "children_cpu_times";
    case Feature::kBlkioDelay: return "blkio_delay";
    case Feature::kMemoryInfo: return "memory_info";
    case Feature::kSwap: return "swap";
    case Feature::kPageFaults: return "page_faults";
    case Feature::kCtxSwitches: return "ctx_switches";
    case Feature::kNumThreads: return "num_threads";
    case Feature::kNumFds: return "num_fds";
    case Feature::kMaxFds: return "max_fds";
    case Feature::kIoCounters: return "io_counters";
    case Feature::kNice: return "nice";
    case Feature::kUids: return "uids";
    case Feature::kMemoryMaps: return "memory_maps";
    case Feature::kUss: return "uss";
    case Feature::kPss: return "pss";
    case Feature::kSwapPss: return "swap_pss";
    case Feature::kSchedstat: return "schedstat";
    case Feature::kNumHandles: return "num_handles";
    case Feature::kExitAccounting: return "exit_accounting";
    case Feature::kCount: break;
  }
  return "unknown";
}

const char* ExitReasonName(ExitReason r) {
  switch (r) {
    case ExitReason::kNormal: return "normal";
    case ExitReason::kNonzeroExit: return "nonzero_exit";
    case ExitReason::kSignal: return "signal";
    case ExitReason::kCount: break;
  }
  return "unknown";
}

}  // namespace proctree
