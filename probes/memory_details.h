#pragma once
// Memory figures that need the kernel to walk every mapping of a process
// (Linux: smaps_rollup, smaps): uss/pss and psutil's memory_maps(grouped=True).
// The most expensive read an exporter does, so it is opt-in per selector,
// cached and budgeted (see smaps_cache.h).
#include <cstdint>
#include <string>
#include <vector>

namespace proctree {

// psutil's memory_maps() fields, in bytes, summed over a path's mappings.
struct MapFigures {
  std::uint64_t rss = 0, size = 0, pss = 0, shared_clean = 0, shared_dirty = 0, private_clean = 0,
                private_dirty = 0, referenced = 0, anonymous = 0, swap = 0;
  MapFigures& operator+=(const MapFigures& o) {
    rss += o.rss;
    size += o.size;
    pss += o.pss;
    shared_clean += o.shared_clean;
    shared_dirty += o.shared_dirty;
    private_clean += o.private_clean;
    private_dirty += o.private_dirty;
    referenced += o.referenced;
    anonymous += o.anonymous;
    swap += o.swap;
    return *this;
  }
};

struct MemoryMap {
  std::string path;  // "[anon]" for no path; "[heap]", "[stack]", ... as the kernel names them
  MapFigures figures;
  std::uint64_t mappings = 0;
};

struct MemoryDetails {
  bool has_rollup = false;  // uss, pss, swap_pss valid
  std::uint64_t uss = 0, pss = 0, swap_pss = 0;
  bool has_maps = false;    // maps, map_count valid
  std::vector<MemoryMap> maps;  // one per path, largest rss first
  std::uint64_t map_count = 0;
  // Only each path's size (and mapping count) is known, not which pages are
  // resident (Windows: VirtualQueryEx); the other figures are not served.
  bool maps_size_only = false;
};

}  // namespace proctree
