#include "probes/os/windows/windows_probe.h"

namespace proctree {

DetailOutcome WindowsProbe::ReadMemoryDetails(const ProcessKey&, bool, MemoryDetails*, ScanErrors&) const {
  return DetailOutcome::kUnsupported;
}

}  // namespace proctree
