#include "probes/os/windows/win_self.h"

#include "probes/os/windows/win_privilege.h"

namespace proctree {

SelfView InspectWindowsSelf() {
  SelfView v;
  const DebugPrivilege& debug = EnableDebugPrivilege();
  v.capabilities.emplace_back("SeDebugPrivilege", debug.enabled);
  if (!debug.enabled)
    v.privilege_notes.push_back(
        {true, "SeDebugPrivilege not enabled (" + debug.failed_api + ": " + debug.error +
                   "): processes of other users and services answer access denied for their image path and "
                   "memory maps; run the exporter as an administrator or as LocalSystem to read them"});
  // Windows has no pid namespaces: the exporter sees every process of the machine.
  v.pid_namespace.procfs = "";
  v.pid_namespace_meaning = "Windows: every process on this machine (no pid namespaces)";
  return v;
}

}  // namespace proctree
