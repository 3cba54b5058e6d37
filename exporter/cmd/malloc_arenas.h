#pragma once
// glibc's malloc gives threads up to 8 arenas per CPU, and an arena keeps the
// memory freed into it. Scrapes run on one thread (exporter/scrape/
// scrape_thread.h), but every CivetWeb worker still allocates per request
// (the payload it sends, its gzip output, TLS buffers), and connections
// rotate among the workers, so each worker's arena would keep its own
// high-water mark of those. Two arenas bound that; the workers spend little
// of their time in malloc, so sharing them costs no measurable CPU.
namespace proctree {

constexpr int kMallocArenas = 2;

// Caps glibc's arenas at `max` unless the user chose a cap
// (MALLOC_ARENA_MAX, or glibc.malloc.arena_max in GLIBC_TUNABLES). Call it
// before starting threads: arenas that exist stay. Returns the cap it set,
// or 0 when it set none (the user's choice, or not glibc).
int LimitMallocArenas(int max = kMallocArenas);

}  // namespace proctree
