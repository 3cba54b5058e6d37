#include "probes/os/native_probe.h"

#if defined(__linux__)
#include "probes/os/linux/capabilities.h"
#include "probes/os/linux/linux_probe.h"
#include "probes/os/linux/namespace_info.h"
#include "probes/os/linux/self_memory.h"
#elif defined(_WIN32)
#include "probes/os/windows/win_self.h"
#include "probes/os/windows/windows_probe.h"
#else
#error "no OS module for this platform (probes/os/)"
#endif

namespace proctree {

#if defined(__linux__)

bool NativeProbeReadsProcfs() { return true; }

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

#elif defined(_WIN32)

// `root` (--path.procfs) means nothing on Windows: the process list comes from the kernel.
bool NativeProbeReadsProcfs() { return false; }

std::unique_ptr<Probe> OpenNativeProbe(const std::string&, std::string* error) { return WindowsProbe::Open(error); }

SelfView InspectSelf(const std::string&) { return InspectWindowsSelf(); }

// Windows' heap has no malloc_trim to decide on; 0 is "cannot tell".
std::size_t ResidentAnonBytes() { return 0; }

#endif

}  // namespace proctree
