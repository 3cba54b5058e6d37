// /proc/[pid]/stat: "pid (comm) state ppid ...". comm is whatever the process
// set (up to 15 bytes, or a longer kernel-thread name) and may itself hold
// spaces, parentheses and newlines, so it ends at the LAST ')' in the file.
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

bool ParseStat(std::string_view text, StatFields* out) {
  std::size_t open = text.find('(');
  std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return false;
  std::string_view head = text.substr(0, open);
  if (!TakeNumber(head, &out->pid)) return false;
  out->comm.assign(text.substr(open + 1, close - open - 1));

  std::string_view rest = text.substr(close + 1);
  SkipSpaces(rest);
  if (rest.empty()) return false;
  out->state = rest[0];
  rest.remove_prefix(1);

  // Field numbers as in proc(5); 3 is state, already taken.
  std::int64_t skip_i = 0;
  std::int64_t priority = 0;
  if (!TakeNumber(rest, &out->ppid)) return false;    // 4
  if (!TakeNumber(rest, &skip_i)) return false;       // 5 pgrp
  if (!TakeNumber(rest, &skip_i)) return false;       // 6 session
  if (!TakeNumber(rest, &skip_i)) return false;       // 7 tty_nr
  if (!TakeNumber(rest, &skip_i)) return false;       // 8 tpgid
  if (!TakeNumber(rest, &out->flags)) return false;   // 9
  if (!TakeNumber(rest, &out->minflt)) return false;  // 10
  if (!TakeNumber(rest, &out->cminflt)) return false; // 11
  if (!TakeNumber(rest, &out->majflt)) return false;  // 12
  if (!TakeNumber(rest, &out->cmajflt)) return false; // 13
  if (!TakeNumber(rest, &out->utime)) return false;   // 14
  if (!TakeNumber(rest, &out->stime)) return false;   // 15
  if (!TakeNumber(rest, &out->cutime)) return false;  // 16
  if (!TakeNumber(rest, &out->cstime)) return false;  // 17
  if (!TakeNumber(rest, &priority)) return false;     // 18
  if (!TakeNumber(rest, &out->nice)) return false;    // 19
  if (!TakeNumber(rest, &out->num_threads)) return false;  // 20
  if (!TakeNumber(rest, &skip_i)) return false;       // 21 itrealvalue
  if (!TakeNumber(rest, &out->starttime)) return false;    // 22
  if (!TakeNumber(rest, &out->vsize)) return false;      // 23
  if (!TakeNumber(rest, &out->rss_pages)) return false;  // 24
  // 25..41 are not needed but every kernel since 2.6 writes them, so a line
  // without them is cut short. Some (rsslim) are unsigned 64-bit, so they
  // are skipped as tokens. 42 is delayacct_blkio_ticks, absent before 2.6.18.
  for (int field = 25; field <= 41; ++field)
    if (!SkipToken(rest)) return false;
  std::uint64_t blkio = 0;
  if (TakeNumber(rest, &blkio)) out->delayacct_blkio_ticks = blkio;
  else out->delayacct_blkio_ticks.reset();
  return true;
}

bool ParseBootTime(std::string_view text, std::uint64_t* btime) {
  while (!text.empty()) {
    std::string_view line = TakeLine(text);
    if (StartsWith(line, "btime ")) {
      line.remove_prefix(6);
      return TakeNumber(line, btime);
    }
  }
  return false;
}

}  // namespace proctree::linux_proc
