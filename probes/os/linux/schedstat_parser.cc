// /proc/[pid]/schedstat: "<ns on CPU> <ns waiting on a run queue> <timeslices>\n"
// (CONFIG_SCHED_INFO; the thread-group leader's figures). No delay
// accounting is needed: sched_info keeps run_delay for every task.
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

bool ParseSchedstat(std::string_view text, SchedstatFields* out) {
  SchedstatFields f;
  if (!TakeNumber(text, &f.run_ns) || !TakeNumber(text, &f.wait_ns) || !TakeNumber(text, &f.timeslices))
    return false;
  // Exactly three numbers and the newline: anything after them is not this file.
  SkipSpaces(text);
  if (!text.empty() && text.front() == '\n') text.remove_prefix(1);
  if (!text.empty()) return false;
  *out = f;
  return true;
}

}  // namespace proctree::linux_proc
