#pragma once
// The exporter's own resident memory (exporter/scrape/heap_trim.h asks
// through probes/os/native_probe.h).
#include <cstddef>

namespace proctree {

// statm's resident - shared of the real /proc/self, in bytes; 0 when unreadable.
std::size_t StatmResidentAnonBytes();

}  // namespace proctree
