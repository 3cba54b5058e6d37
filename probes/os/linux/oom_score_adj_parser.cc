// /proc/[pid]/oom_score_adj: one signed decimal, -1000 to 1000, and a newline.
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

bool ParseOomScoreAdj(std::string_view text, std::int64_t* out) {
  std::int64_t v = 0;
  if (!TakeNumber(text, &v) || v < -1000 || v > 1000) return false;
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  if (!text.empty()) return false;
  *out = v;
  return true;
}

}  // namespace proctree::linux_proc
