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

}  // namespace proctree
