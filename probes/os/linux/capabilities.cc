#include "probes/os/linux/capabilities.h"

#include <fcntl.h>
#include <unistd.h>


#include "probes/os/linux/proc_files.h"
#include "probes/util/strings.h"

namespace proctree {

namespace {
// linux/capability.h numbers; stable ABI.
constexpr int kCapDacOverride = 1;
constexpr int kCapDacReadSearch = 2;
constexpr int kCapSysPtrace = 19;
constexpr int kCapNetAdmin = 12;  // exit accounting: taskstats registration, SO_RCVBUFFORCE

constexpr const char* kCounted = "each denied read is counted in proctree_probe_errors_total{errno=\"EACCES\"}";
}  // namespace

const std::vector<WatchedCapability>& WatchedCapabilities() {
  static const std::vector<WatchedCapability> kWatched = {
      {"CAP_SYS_PTRACE", kCapSysPtrace},
      {"CAP_DAC_READ_SEARCH", kCapDacReadSearch},
      {"CAP_DAC_OVERRIDE", kCapDacOverride},
      {"CAP_NET_ADMIN", kCapNetAdmin},
  };
  return kWatched;
}

std::optional<std::uint64_t> ParseCapEff(std::string_view status) {
  while (!status.empty()) {
    std::string_view line = TakeLine(status);
    if (line.substr(0, 7) != "CapEff:") continue;
    line.remove_prefix(7);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty() || line.size() > 16) return std::nullopt;
    std::uint64_t mask = 0;
    for (char c : line) {
      const int d = HexValue(c);
      if (d < 0) return std::nullopt;
      mask = (mask << 4) | static_cast<std::uint64_t>(d);
    }
    return mask;
  }
  return std::nullopt;
}

Privileges ReadOwnPrivileges(const std::string& status_path) {
  Privileges p;
  p.euid = static_cast<std::uint32_t>(geteuid());
  linux_proc::ReadBuffer buf;
  linux_proc::SyscallFailure fail;
  std::string_view status;
  if (!buf.ReadAt(AT_FDCWD, status_path.c_str(), &status, &fail)) return p;
  p.cap_eff = ParseCapEff(status);
  return p;
}

std::vector<PrivilegeNote> DescribePrivileges(const Privileges& p) {
  std::vector<PrivilegeNote> notes;
  if (!p.cap_eff) {
    notes.push_back({true,
                     "cannot read CapEff from /proc/self/status: the exporter's capabilities are unknown and "
                     "proctree_exporter_capability is not served"});
    return notes;
  }
  const bool ptrace = p.Has(kCapSysPtrace);
  const bool dac = p.Has(kCapDacReadSearch) || p.Has(kCapDacOverride);
  if (!ptrace) {
    notes.push_back(
        {true, std::string("without CAP_SYS_PTRACE the exporter cannot read io, exe, smaps_rollup or smaps of "
                           "other users' processes, of non-dumpable ones (setuid programs) or of ones holding "
                           "capabilities it lacks: their io counters, exe label and matches, uss/pss and memory "
                           "maps are absent; ") +
                   kCounted});
  }
  if (!dac) {
    notes.push_back(
        {true, std::string("without CAP_DAC_READ_SEARCH (or CAP_DAC_OVERRIDE) the exporter cannot list the fd "
                           "directory (mode 0500) or open io (0400) of other users' processes: their open fds and "
                           "io counters are absent; ") +
                   kCounted});
  } else if (!p.Has(kCapDacReadSearch)) {
    notes.push_back({false, "CAP_DAC_OVERRIDE stands in for CAP_DAC_READ_SEARCH: fd directories and io files of "
                            "other users' processes can be opened"});
  }
  if (p.euid == 0 && (!ptrace || !dac)) {
    notes.push_back({true, "running as root (uid 0) without these capabilities (dropped, as in a container): uid 0 "
                           "by itself grants no access to other users' processes"});
  }
  if (ptrace && dac) {
    notes.push_back({false, "the exporter holds what reading every file it uses of every process takes (capabilities "
                            "count for processes in its user namespace and below; an LSM such as AppArmor can "
                            "still deny)"});
  }
  return notes;
}

}  // namespace proctree
