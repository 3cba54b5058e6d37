#pragma once
// The one place that picks the OS module this binary is built for; nothing
// else names a module. A second module (probes/os/<os>/) is chosen here.
#include <cstddef>
#include <memory>
#include <string>

#include "probes/probe.h"
#include "probes/self_view.h"

namespace proctree {

// Whether the module reads `root` (--path.procfs) at all: Windows has no
// process filesystem, so the flag means nothing there and is not logged.
bool NativeProbeReadsProcfs();

// The module for the OS this binary was built for, or nullptr with *error set.
// `root` is the OS's process filesystem (--path.procfs).
std::unique_ptr<Probe> OpenNativeProbe(const std::string& root, std::string* error);

// The exporter's own privileges and the processes `root` shows it.
SelfView InspectSelf(const std::string& root);

// Anonymous memory resident in this process, or 0 when it cannot tell
// (Linux: statm's resident - shared, from the real /proc).
std::size_t ResidentAnonBytes();

}  // namespace proctree
