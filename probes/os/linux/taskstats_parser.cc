#include "probes/os/linux/taskstats_parser.h"

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/taskstats.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace proctree {

namespace {

// struct taskstats as of version 13 (the fields up to here keep their
// offsets in every later version but 15), spelled out so the build does not
// depend on the installed header's version.
struct TaskstatsV13 {
  std::uint16_t version;
  std::uint32_t ac_exitcode;
  std::uint8_t ac_flag;
  std::uint8_t ac_nice;
  alignas(8) std::uint64_t cpu_count;
  std::uint64_t cpu_delay_total, blkio_count, blkio_delay_total, swapin_count, swapin_delay_total;
  std::uint64_t cpu_run_real_total, cpu_run_virtual_total;
  char ac_comm[32];
  alignas(8) std::uint8_t ac_sched;
  std::uint8_t ac_pad[3];
  alignas(8) std::uint32_t ac_uid;
  std::uint32_t ac_gid, ac_pid, ac_ppid, ac_btime;
  alignas(8) std::uint64_t ac_etime;
  std::uint64_t ac_utime, ac_stime, ac_minflt, ac_majflt, coremem, virtmem, hiwater_rss, hiwater_vm;
  std::uint64_t read_char, write_char, read_syscalls, write_syscalls, read_bytes, write_bytes, cancelled_write_bytes;
  std::uint64_t nvcsw, nivcsw, ac_utimescaled, ac_stimescaled, cpu_scaled_run_real_total;
  std::uint64_t freepages_count, freepages_delay_total, thrashing_count, thrashing_delay_total, ac_btime64;
  std::uint64_t compact_count, compact_delay_total;
  std::uint32_t ac_tgid;
  alignas(8) std::uint64_t ac_tgetime;
  std::uint64_t ac_exe_dev, ac_exe_inode, wpcopy_count, wpcopy_delay_total;
};
#if defined(TASKSTATS_VERSION) && TASKSTATS_VERSION == 13
static_assert(sizeof(TaskstatsV13) == sizeof(struct taskstats), "layout differs from the v13 header");
static_assert(offsetof(TaskstatsV13, ac_tgetime) == offsetof(struct taskstats, ac_tgetime), "ac_tgetime moved");
#endif
constexpr std::size_t kNeededBytes = offsetof(TaskstatsV13, ac_tgetime) + sizeof(std::uint64_t);

ExitReason ReasonOf(std::uint32_t status) {
  // A wait status: the signal in the low 7 bits, else the exit code in the next 8.
  if ((status & 0x7f) != 0) return ExitReason::kSignal;
  return ((status >> 8) & 0xff) != 0 ? ExitReason::kNonzeroExit : ExitReason::kNormal;
}

void Fill(const TaskstatsV13& t, ParsedExit* out) {
  ExitRecord& r = out->record;
  r.pid = t.ac_pid;
  r.tgid = t.ac_tgid;
  r.ppid = t.ac_ppid;
  r.comm.assign(t.ac_comm, strnlen(t.ac_comm, sizeof t.ac_comm));
  r.uid = t.ac_uid;
  r.reason = ReasonOf(t.ac_exitcode);
  // utime and stime are tick-sampled; cpu_run_virtual_total is the exact
  // runtime (ns). Split it as the two sampled parts are split, as getrusage does.
  const double user = static_cast<double>(t.ac_utime) / 1e6, sys = static_cast<double>(t.ac_stime) / 1e6;
  const double exact = static_cast<double>(t.cpu_run_virtual_total) / 1e9;
  const double scale = exact > 0 && user + sys > 0 ? exact / (user + sys) : 1.0;
  r.cpu_user_seconds = exact > 0 && user + sys == 0 ? exact : user * scale;
  r.cpu_system_seconds = sys * scale;
  r.minor_faults = t.ac_minflt;
  r.major_faults = t.ac_majflt;
  r.ctx_voluntary = t.nvcsw;
  r.ctx_involuntary = t.nivcsw;
  r.read_chars = t.read_char;
  r.write_chars = t.write_char;
  r.read_syscalls = t.read_syscalls;
  r.write_syscalls = t.write_syscalls;
  r.read_bytes = t.read_bytes;
  r.write_bytes = t.write_bytes;
  out->group_elapsed_us = t.ac_tgetime;
}

TaskstatsParse ParseStats(const nlattr* a, ParsedExit* out) {
  const std::size_t len = a->nla_len - NLA_HDRLEN;
  TaskstatsV13 t;
  std::memset(&t, 0, sizeof t);
  std::memcpy(&t, reinterpret_cast<const char*>(a) + NLA_HDRLEN, std::min(len, sizeof t));
  if (len < kNeededBytes || t.version < 12 || t.version == 15) return TaskstatsParse::kUnknownLayout;
  Fill(t, out);
  return TaskstatsParse::kRecord;
}

// Walks the attributes in [p, end), calling f on each well-formed one.
template <typename F>
bool ForEachAttr(const char* p, const char* end, F f) {
  while (end - p >= static_cast<std::ptrdiff_t>(NLA_HDRLEN)) {
    nlattr a;
    std::memcpy(&a, p, sizeof a);
    if (a.nla_len < NLA_HDRLEN || a.nla_len > end - p) return false;
    if (!f(reinterpret_cast<const nlattr*>(p), a.nla_type & NLA_TYPE_MASK)) return true;
    p += NLA_ALIGN(a.nla_len);
  }
  return true;
}

}  // namespace

TaskstatsParse ParseTaskstatsMessage(const void* data, std::size_t len, ParsedExit* out) {
  const char* base = static_cast<const char*>(data);
  if (len < NLMSG_HDRLEN + GENL_HDRLEN) return TaskstatsParse::kNoRecord;
  nlmsghdr h;
  std::memcpy(&h, base, sizeof h);
  if (h.nlmsg_len > len || h.nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) return TaskstatsParse::kNoRecord;
  genlmsghdr g;
  std::memcpy(&g, base + NLMSG_HDRLEN, sizeof g);
  if (g.cmd != TASKSTATS_CMD_NEW) return TaskstatsParse::kNoRecord;
  TaskstatsParse result = TaskstatsParse::kNoRecord;
  const char* end = base + h.nlmsg_len;
  ForEachAttr(base + NLMSG_HDRLEN + GENL_HDRLEN, end, [&](const nlattr* a, int type) {
    if (type != TASKSTATS_TYPE_AGGR_PID) return true;
    const char* inner = reinterpret_cast<const char*>(a) + NLA_HDRLEN;
    ForEachAttr(inner, reinterpret_cast<const char*>(a) + a->nla_len, [&](const nlattr* s, int t) {
      if (t == TASKSTATS_TYPE_STATS) result = ParseStats(s, out);
      return true;
    });
    return false;
  });
  return result;
}

std::uint64_t ExitStartTicks(std::uint64_t boottime_now_ns, std::uint64_t group_elapsed_us, double ticks_per_second) {
  const double start_us = static_cast<double>(boottime_now_ns) / 1e3 - static_cast<double>(group_elapsed_us);
  return start_us <= 0 ? 0 : static_cast<std::uint64_t>(std::llround(start_us * ticks_per_second / 1e6));
}

}  // namespace proctree
