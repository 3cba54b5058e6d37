#pragma once
// glibc's malloc gives threads up to 8 arenas per CPU, and an arena keeps the
// memory freed into it. Every CivetWeb worker that serves a scrape leaves
// that scrape's buffers (~13 MB at 2,000 processes) in its arena, and
// connections rotate among the workers (Prometheus reconnects whenever its
// scrape interval is longer than --web.request-timeout), so RSS climbed to
// ~16 scrapes' worth: 256 MB in the soak (docs/soak.md) where 2 arenas hold
// ~50 MB. A scrape spends little of its time in malloc, so 2 arenas cost no
// measurable CPU even with 8 concurrent scrapes.
namespace proctree {

constexpr int kMallocArenas = 2;

// Caps glibc's arenas at `max` unless the user chose a cap
// (MALLOC_ARENA_MAX, or glibc.malloc.arena_max in GLIBC_TUNABLES). Call it
// before starting threads: arenas that exist stay. Returns the cap it set,
// or 0 when it set none (the user's choice, or not glibc).
int LimitMallocArenas(int max = kMallocArenas);

}  // namespace proctree
