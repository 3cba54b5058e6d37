// /proc/[pid]/status: "Key:\tvalue" lines. Only a few keys are needed; the
// rest of the (long) file is skipped by its first byte. The memory sizes come
// from here rather than from statm: same figures, and one file fewer per
// process saved 17.4 of the floor's 148.8 ms per scrape at 2,000 processes
// (docs/benchmarks.md, "Where the time goes").
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

namespace {
bool TakeKilobytes(std::string_view v, std::optional<std::uint64_t>* out) {
  std::uint64_t kb = 0;
  // No kernel writes 16 EiB; a figure whose bytes overflow is not a status file.
  if (!TakeNumber(v, &kb) || kb > UINT64_MAX / 1024) return false;
  *out = kb * 1024;
  return true;
}
bool TakeCount(std::string_view v, std::optional<std::uint64_t>* out) {
  std::uint64_t n = 0;
  if (!TakeNumber(v, &n)) return false;
  *out = n;
  return true;
}
}  // namespace

bool ParseStatus(std::string_view text, StatusFields* out) {
  bool any = false;
  while (!text.empty()) {
    std::string_view line = TakeLine(text);
    std::string_view v;
    if (line.empty()) continue;
    switch (line[0]) {
      case 'U':
        if (KeyValue(line, "Uid", &v)) {
          std::uint32_t uid = 0;
          if (!TakeNumber(v, &uid)) return false;
          out->real_uid = uid;
          any = true;
        }
        break;
      case 'V':
      case 'R': {
        std::optional<std::uint64_t>* field = nullptr;
        if (KeyValue(line, "VmSwap", &v)) field = &out->vm_swap_bytes;
        else if (KeyValue(line, "VmSize", &v)) field = &out->vm_size_bytes;
        else if (KeyValue(line, "VmRSS", &v)) field = &out->vm_rss_bytes;
        else if (KeyValue(line, "VmExe", &v)) field = &out->vm_exe_bytes;
        else if (KeyValue(line, "VmData", &v)) field = &out->vm_data_bytes;
        else if (KeyValue(line, "VmStk", &v)) field = &out->vm_stk_bytes;
        else if (KeyValue(line, "RssFile", &v)) field = &out->rss_file_bytes;
        else if (KeyValue(line, "RssShmem", &v)) field = &out->rss_shmem_bytes;
        if (field && !TakeKilobytes(v, field)) return false;
        break;
      }
      case 'v':
        if (KeyValue(line, "voluntary_ctxt_switches", &v) && !TakeCount(v, &out->voluntary_ctxt_switches))
          return false;
        break;
      case 'n':
        if (KeyValue(line, "nonvoluntary_ctxt_switches", &v) && !TakeCount(v, &out->nonvoluntary_ctxt_switches))
          return false;
        break;
      default:
        break;
    }
  }
  // Every kernel since 2.6 writes Uid; a file without it is not a status file.
  return any;
}

}  // namespace proctree::linux_proc
