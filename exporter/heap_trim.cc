#include "exporter/heap_trim.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace proctree {

std::size_t ResidentAnonBytes() {
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long size = 0, resident = 0, shared = 0;
  if (std::sscanf(buf, "%lu %lu %lu", &size, &resident, &shared) != 3 || shared > resident) return 0;
  return (resident - shared) * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

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
