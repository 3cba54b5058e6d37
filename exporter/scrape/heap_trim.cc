#include "exporter/scrape/heap_trim.h"

#include <chrono>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace proctree {

std::size_t HeapInUseBytes() {
#if defined(__GLIBC__) && __GLIBC_PREREQ(2, 33)
  if (!kGlibcMallocInUse) return 0;
  // uordblks: in use in the arenas; hblkhd: in chunks of their own mapping.
  const struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
#else
  (void)kGlibcMallocInUse;
  return 0;
#endif
}

HeapTrimResult TrimHeapIfBloated(std::size_t in_use_bytes, const HeapTrimPolicy& policy) {
  HeapTrimResult r;
  r.in_use_bytes = in_use_bytes;
  if (in_use_bytes == 0) return r;
  r.resident_bytes = ResidentAnonBytes();
  if (!policy.ShouldTrim(r.in_use_bytes, r.resident_bytes)) return r;
#if defined(__GLIBC__)
  const auto t0 = std::chrono::steady_clock::now();
  malloc_trim(0);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.trimmed = true;
  r.resident_after = ResidentAnonBytes();
#endif
  return r;
}

}  // namespace proctree
