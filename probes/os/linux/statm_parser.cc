// /proc/[pid]/statm: seven page counts on one line.
#include "probes/os/linux/parse_util.h"
#include "probes/os/linux/proc_parsers.h"

namespace proctree::linux_proc {

bool ParseStatm(std::string_view text, StatmFields* out) {
  return TakeNumber(text, &out->size) && TakeNumber(text, &out->resident) &&
         TakeNumber(text, &out->shared) && TakeNumber(text, &out->text) &&
         TakeNumber(text, &out->lib) && TakeNumber(text, &out->data) &&
         TakeNumber(text, &out->dt);
}

}  // namespace proctree::linux_proc
