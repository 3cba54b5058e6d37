#pragma once
// /proc/[pid]/smaps_rollup and /proc/[pid]/smaps.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "probes/memory_details.h"

namespace proctree::linux_proc {

// smaps_rollup: one header line then "Key: N kB" lines. uss is the sum of the
// Private_* lines (as psutil computes it).
bool ParseSmapsRollup(std::string_view text, MemoryDetails* out);

// smaps: per mapping a header "start-end perms offset dev inode [path]" and
// "Key: N kB" lines; grouped by path. Fed line by line, because a process
// with many mappings has a smaps file of tens of megabytes. Also fills the
// rollup figures by summing (psutil's fallback when smaps_rollup is missing).
class SmapsGrouper {
 public:
  // false when the line cannot be part of an smaps file.
  bool Line(std::string_view line);
  void Finish(MemoryDetails* out);

 private:
  std::unordered_map<std::string, std::size_t> index_;
  std::vector<MemoryMap> maps_;
  std::size_t cur_ = SIZE_MAX;
  std::uint64_t count_ = 0, uss_ = 0, pss_ = 0, swap_pss_ = 0;
};

// The whole file at once (tests, fuzzing).
bool ParseSmaps(std::string_view text, MemoryDetails* out);

}  // namespace proctree::linux_proc
