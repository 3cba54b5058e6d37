#pragma once
// Which processes the exporter sees: its own pid namespace (the real
// /proc/self/ns/pid) against the one the --path.procfs mount shows. A procfs
// lists the processes of the pid namespace it was mounted for and of every
// namespace below it, numbered as that namespace numbers them.
#include <string>

#include "probes/self_view.h"

namespace proctree {

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
