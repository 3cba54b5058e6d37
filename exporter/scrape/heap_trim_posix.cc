#include <cstdlib>  // defines __GLIBC__ on glibc

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "exporter/scrape/heap_trim.h"
#include "exporter/scrape/heap_trim_os.h"

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

bool TrimMalloc() {
#if defined(__GLIBC__)
  malloc_trim(0);
  return true;
#else
  return false;
#endif
}

}  // namespace proctree
