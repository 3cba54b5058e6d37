#pragma once
// What the exporter learns about itself at start-up from the OS module
// (probes/os/native_probe.h): which processes it sees and how much of them
// it may read. Said once in the log and served as proctree_exporter_* metrics.
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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

struct PrivilegeNote {
  bool warn;
  std::string message;
};

// Everything InspectSelf() found.
struct SelfView {
  std::uint32_t euid = 0;
  // The watched capabilities (name as capabilities(7) spells it, held) in a
  // fixed order; empty when they could not be read (the family is then absent).
  std::vector<std::pair<std::string, bool>> capabilities;
  std::vector<PrivilegeNote> privilege_notes;  // one per gap in what can be read
  PidNamespaceInfo pid_namespace;
  std::string pid_namespace_meaning;  // one sentence: whose processes these are
};

}  // namespace proctree
