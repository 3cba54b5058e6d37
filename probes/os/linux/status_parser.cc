// /proc/[pid]/status: "Key:\tvalue" lines. Only four keys are needed; the
// rest of the (long) file is skipped by its first byte.
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

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
        if (KeyValue(line, "VmSwap", &v)) {
          std::uint64_t kb = 0;
          if (!TakeNumber(v, &kb)) return false;
          out->vm_swap_bytes = kb * 1024;
        }
        break;
      case 'v':
        if (KeyValue(line, "voluntary_ctxt_switches", &v)) {
          std::uint64_t n = 0;
          if (!TakeNumber(v, &n)) return false;
          out->voluntary_ctxt_switches = n;
        }
        break;
      case 'n':
        if (KeyValue(line, "nonvoluntary_ctxt_switches", &v)) {
          std::uint64_t n = 0;
          if (!TakeNumber(v, &n)) return false;
          out->nonvoluntary_ctxt_switches = n;
        }
        break;
      default:
        break;
    }
  }
  // Every kernel since 2.6 writes Uid; a file without it is not a status file.
  return any;
}

}  // namespace proctree::linux_proc
