#include "probes/process_sample.h"

namespace proctree {

std::string_view ProcessStateName(ProcessState s) {
  switch (s) {
    case ProcessState::kRunning: return "running";
    case ProcessState::kSleeping: return "sleeping";
    case ProcessState::kDiskSleep: return "disk-sleep";
    case ProcessState::kStopped: return "stopped";
    case ProcessState::kTracingStop: return "tracing-stop";
    case ProcessState::kZombie: return "zombie";
    case ProcessState::kDead: return "dead";
    case ProcessState::kWakeKill: return "wake-kill";
    case ProcessState::kWaking: return "waking";
    case ProcessState::kParked: return "parked";
    case ProcessState::kIdle: return "idle";
    case ProcessState::kUnknown:
    case ProcessState::kCount: break;
  }
  return "unknown";
}

void CopyGroups(const ProcessSample& from, FieldGroups groups, ProcessSample* to) {
  if (groups.has(FieldGroup::kStatus)) {
    to->uid = from.uid;
    to->voluntary_ctxt_switches = from.voluntary_ctxt_switches;
    to->involuntary_ctxt_switches = from.involuntary_ctxt_switches;
  }
  if (groups.has(FieldGroup::kMemory)) {
    to->memory_rss_bytes = from.memory_rss_bytes;
    to->memory_vms_bytes = from.memory_vms_bytes;
    to->memory_shared_bytes = from.memory_shared_bytes;
    to->memory_text_bytes = from.memory_text_bytes;
    to->memory_data_bytes = from.memory_data_bytes;
    to->memory_swap_bytes = from.memory_swap_bytes;
  }
  if (groups.has(FieldGroup::kIo)) {
    to->io_read_bytes = from.io_read_bytes;
    to->io_write_bytes = from.io_write_bytes;
    to->io_read_chars = from.io_read_chars;
    to->io_write_chars = from.io_write_chars;
    to->io_read_syscalls = from.io_read_syscalls;
    to->io_write_syscalls = from.io_write_syscalls;
  }
  if (groups.has(FieldGroup::kFds)) to->open_fds = from.open_fds;
  if (groups.has(FieldGroup::kLimits)) to->max_fds = from.max_fds;
  if (groups.has(FieldGroup::kExe)) to->exe = from.exe;
  if (groups.has(FieldGroup::kCmdline)) {
    to->cmdline = from.cmdline;
    to->cmdline_cut = from.cmdline_cut;
  }
  if (groups.has(FieldGroup::kCgroup)) to->cgroup = from.cgroup;
  if (groups.has(FieldGroup::kSchedstat)) {
    to->sched_run_seconds = from.sched_run_seconds;
    to->sched_wait_seconds = from.sched_wait_seconds;
  }
  if (groups.has(FieldGroup::kOomScoreAdj)) to->oom_score_adj = from.oom_score_adj;
}

}  // namespace proctree
