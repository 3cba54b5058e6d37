// MinGW's malloc is msvcrt's, over the Windows heap, which returns free
// regions itself and tells nothing like mallinfo2: never trimmed here.
#include "exporter/scrape/heap_trim.h"
#include "exporter/scrape/heap_trim_os.h"

namespace proctree {

std::size_t HeapInUseBytes() { return 0; }

bool TrimMalloc() { return false; }

}  // namespace proctree
