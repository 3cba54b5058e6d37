#pragma once
// The exporter's view of itself on Windows (native_probe.h's InspectSelf).
#include "probes/self_view.h"

namespace proctree {

SelfView InspectWindowsSelf();

}  // namespace proctree
