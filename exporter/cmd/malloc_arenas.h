#pragma once
// glibc's malloc gives threads up to 8 arenas per CPU, and an arena keeps the
// memory freed into it. Scrapes run on one thread (exporter/scrape/
// scrape_thread.h), but every CivetWeb worker still allocates per request
// (the payload it sends, its gzip output, TLS buffers), and connections
// rotate among the workers, so each worker's arena would keep its own
// high-water mark of those. Two arenas bound that; the workers spend little
// of their time in malloc, so sharing them costs no measurable CPU.
#include <cstddef>

namespace proctree {

constexpr int kMallocArenas = 2;

// Caps glibc's arenas at `max` unless the user chose a cap
// (MALLOC_ARENA_MAX, or glibc.malloc.arena_max in GLIBC_TUNABLES). Call it
// before starting threads: arenas that exist stay. Returns the cap it set,
// or 0 when it set none (the user's choice, or not glibc).
int LimitMallocArenas(int max = kMallocArenas);

// glibc maps a block of at least M_MMAP_THRESHOLD bytes on its own, and
// unmaps it when freed; but the first such free raises the threshold to that
// block's size, so from then on a scrape's big vectors (the scan: 4.9 MB at
// 10,000 processes; the tree sums' member table) come from the arena, where
// what is freed stays resident and the next scrape's blocks land beside it.
// Peak RSS at 10,000 idle processes, default config, four scrapes: 26.4 MB
// with the moving threshold, 24.9 MB fixed at 256 KiB. A scrape maps and
// faults in those few blocks anew, a few milliseconds of a ~600 ms scrape.
constexpr std::size_t kMmapThresholdBytes = std::size_t{256} << 10;

// Fixes the threshold (which stops glibc moving it) unless the user set one
// (MALLOC_MMAP_THRESHOLD_, or glibc.malloc.mmap_threshold in GLIBC_TUNABLES).
// Returns the threshold it set, or 0 when it set none.
std::size_t FixMmapThreshold(std::size_t bytes = kMmapThresholdBytes);

}  // namespace proctree
