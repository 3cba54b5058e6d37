#include "probes/os/native_probe.h"

#if defined(__linux__)
#include "probes/os/linux/capabilities.h"
#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/namespace_info.h"
#include "probes/os/linux/self_memory.h"
#else
#error "no OS module for this platform (probes/os/)"
#endif

namespace proctree {

std::unique_ptr<Probe> OpenNativeProbe(const std::string& root, std::string* error) {
  return LinuxProbe::Open(root, error);
}

SelfView InspectSelf(const std::string& root) {
  SelfView v;
  const Privileges priv = ReadOwnPrivileges();
  v.euid = priv.euid;
  if (priv.cap_eff)
    for (const auto& c : WatchedCapabilities()) v.capabilities.emplace_back(c.name, priv.Has(c.bit));
  v.privilege_notes = DescribePrivileges(priv);
  v.pid_namespace = ReadPidNamespaceInfo(root);
  v.pid_namespace_meaning = DescribePidNamespaceInfo(v.pid_namespace);
  return v;
}

std::size_t ResidentAnonBytes() { return StatmResidentAnonBytes(); }

}  // namespace proctree
