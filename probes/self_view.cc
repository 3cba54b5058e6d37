#include "probes/self_view.h"

namespace proctree {

const char* ProcfsViewName(ProcfsView v) {
  switch (v) {
    case ProcfsView::kOwn: return "own";
    case ProcfsView::kAncestor: return "ancestor";
    case ProcfsView::kOther: return "other";
    case ProcfsView::kNotProcfs: return "not_procfs";
    case ProcfsView::kUnknown: break;
  }
  return "unknown";
}

}  // namespace proctree
