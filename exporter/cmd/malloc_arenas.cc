#include "exporter/cmd/malloc_arenas.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace proctree {

int LimitMallocArenas(int max) {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_ARENA_MAX")) return 0;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.arena_max")) return 0;
  return mallopt(M_ARENA_MAX, max) == 1 ? max : 0;
#else
  (void)max;
  return 0;
#endif
}

std::size_t FixMmapThreshold(std::size_t bytes) {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_MMAP_THRESHOLD_")) return 0;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.mmap_threshold")) return 0;
  return mallopt(M_MMAP_THRESHOLD, static_cast<int>(bytes)) == 1 ? bytes : 0;
#else
  (void)bytes;
  return 0;
#endif
}

}  // namespace proctree
