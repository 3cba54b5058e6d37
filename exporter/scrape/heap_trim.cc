#include "exporter/scrape/heap_trim.h"

#include <chrono>

#include "exporter/scrape/heap_trim_os.h"

namespace proctree {

HeapTrimResult TrimHeapIfBloated(std::size_t in_use_bytes, const HeapTrimPolicy& policy) {
  HeapTrimResult r;
  r.in_use_bytes = in_use_bytes;
  if (in_use_bytes == 0) return r;
  r.resident_bytes = ResidentAnonBytes();
  if (!policy.ShouldTrim(r.in_use_bytes, r.resident_bytes)) return r;
  const auto t0 = std::chrono::steady_clock::now();
  if (!TrimMalloc()) return r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.trimmed = true;
  r.resident_after = ResidentAnonBytes();
  return r;
}

}  // namespace proctree
