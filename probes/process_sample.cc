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

}  // namespace proctree
