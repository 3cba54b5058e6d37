#pragma once
// One parser per /proc/[pid] file. Each takes the file's bytes exactly as
// read and returns false when they are not what the kernel writes (counted
// as a parse error by the caller); none of them allocates except for comm.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace proctree::linux_proc {

struct StatFields {
  std::int64_t pid = 0;
  std::string comm;  // between the first '(' and the LAST ')', any bytes
  char state = '?';
  std::int64_t ppid = 0;
  std::uint64_t flags = 0;
  std::uint64_t minflt = 0, majflt = 0;
  std::uint64_t cminflt = 0, cmajflt = 0;  // of waited-for children
  std::uint64_t utime = 0, stime = 0;    // clock ticks
  std::int64_t cutime = 0, cstime = 0;   // clock ticks
  std::int64_t nice = 0;
  std::int64_t num_threads = 0;
  std::uint64_t starttime = 0;           // clock ticks since boot
  std::uint64_t vsize = 0;               // bytes (status' VmSize)
  std::uint64_t rss_pages = 0;           // pages (status' VmRSS)
  std::optional<std::uint64_t> delayacct_blkio_ticks;  // field 42, since Linux 2.6.18
};
bool ParseStat(std::string_view text, StatFields* out);

struct StatusFields {
  std::optional<std::uint32_t> real_uid;
  std::optional<std::uint64_t> voluntary_ctxt_switches;
  std::optional<std::uint64_t> nonvoluntary_ctxt_switches;
  std::optional<std::uint64_t> vm_swap_bytes;  // absent for kernel threads
  // The same figures statm gives (VmSize = size, VmRSS = resident, RssFile +
  // RssShmem = shared, VmExe = text, VmData + VmStk = data), in bytes; absent
  // for kernel threads, which have no address space.
  std::optional<std::uint64_t> vm_size_bytes, vm_rss_bytes, rss_file_bytes, rss_shmem_bytes, vm_exe_bytes,
      vm_data_bytes, vm_stk_bytes;
};
bool ParseStatus(std::string_view text, StatusFields* out);

struct IoFields {
  std::uint64_t rchar = 0, wchar = 0, syscr = 0, syscw = 0;
  std::uint64_t read_bytes = 0, write_bytes = 0, cancelled_write_bytes = 0;
};
bool ParseIo(std::string_view text, IoFields* out);

// /proc/[pid]/schedstat: the thread-group leader's time on a CPU, time
// runnable but waiting on a run queue (both ns), and its timeslices.
struct SchedstatFields {
  std::uint64_t run_ns = 0, wait_ns = 0, timeslices = 0;
};
bool ParseSchedstat(std::string_view text, SchedstatFields* out);

// /proc/[pid]/oom_score_adj: -1000 (never killed) to 1000.
bool ParseOomScoreAdj(std::string_view text, std::int64_t* out);

// The soft limit of "Max open files"; nullopt in *soft means unlimited.
bool ParseLimitsMaxOpenFiles(std::string_view text, std::optional<std::uint64_t>* soft);

// /proc/stat's btime, seconds since the epoch.
bool ParseBootTime(std::string_view text, std::uint64_t* btime);

}  // namespace proctree::linux_proc
