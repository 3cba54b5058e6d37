// /proc/[pid]/limits: a fixed-width table; only "Max open files" is needed.
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

bool ParseLimitsMaxOpenFiles(std::string_view text, std::optional<std::uint64_t>* soft) {
  constexpr std::string_view kKey = "Max open files";
  while (!text.empty()) {
    std::string_view line = TakeLine(text);
    if (!StartsWith(line, kKey)) continue;
    line.remove_prefix(kKey.size());
    SkipSpaces(line);
    if (StartsWith(line, "unlimited")) {
      soft->reset();
      return true;
    }
    std::uint64_t v = 0;
    if (!TakeNumber(line, &v)) return false;
    *soft = v;
    return true;
  }
  return false;
}

}  // namespace proctree::linux_proc
