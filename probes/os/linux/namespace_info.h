#pragma once
// Which processes the exporter sees: its own pid namespace (the real
// /proc/self/ns/pid) against the one the --path.procfs mount shows. A procfs
// lists the processes of the pid namespace it was mounted for and of every
// namespace below it, numbered as that namespace numbers them.
#include <string>

namespace proctree {

// How the procfs's pid namespace relates to the exporter's.
enum class ProcfsView {
  kOwn,        // the exporter's own: its container's processes when it runs in one
  kAncestor,   // an enclosing one (the host's, from a container given the host's /proc)
  kOther,      // one the exporter is not in (another container's): it cannot find itself there
  kNotProcfs,  // not a procfs mount (a captured tree, a copy)
  kUnknown,
};
const char* ProcfsViewName(ProcfsView v);  // own, ancestor, other, not_procfs, unknown

struct PidNamespaceInfo {
  std::string exporter_pid_namespace = "unknown";  // "pid:[4026531836]", as readlink shows it
  std::string procfs;  // the path, invalid UTF-8 replaced (it is a label value)
  std::string procfs_pid_namespace = "unknown";
  ProcfsView view = ProcfsView::kUnknown;
  int levels_up = 0;  // kAncestor: how many namespaces above the exporter's
};

// `own_proc` is where the real procfs is (/proc; tests pass fixture trees).
// The procfs's namespace is readlink <procfs>/1/ns/pid, which needs ptrace
// read access to that pid 1 (CAP_SYS_PTRACE unless it runs as the same user
// with no more capabilities); when denied it is still known for kOwn. The
// view needs no privilege: <procfs>/self is the exporter as that namespace
// numbers it, and the NSpid line of its status has one pid per namespace
// from the procfs's down to the exporter's.
PidNamespaceInfo ReadPidNamespaceInfo(const std::string& procfs, const std::string& own_proc = "/proc");

// One sentence for the start-up log answering "whose processes are these".
std::string DescribePidNamespaceInfo(const PidNamespaceInfo& info);

}  // namespace proctree
