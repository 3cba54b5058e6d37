#pragma once
// The capabilities that decide how much of other users' /proc the exporter
// can read, taken from CapEff in the real /proc/self/status (not --path.procfs,
// which may be a captured tree or another namespace's). Measured and checked
// against the kernel's rules (fs/proc/base.c, fs/proc/fd.c, kernel/ptrace.c,
// security/commoncap.c):
//
// - ptrace read access (PTRACE_MODE_READ_FSCREDS): io, exe, smaps,
//   smaps_rollup, maps, ns/*. Given for a process of the same uid and gid
//   that is dumpable and holds no capability the exporter lacks; otherwise
//   only with CAP_SYS_PTRACE. Denied reads fail with EACCES.
// - file permission bits: the fd/ directory is 0500 and io 0400, owned by the
//   process's uid (root for a non-dumpable one). Another user's need
//   CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE (which Docker grants by default).
//   io needs both this and ptrace access.
//
// stat, status, limits, cmdline and cgroup are world-readable.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/self_view.h"

namespace proctree {

struct WatchedCapability {
  const char* name;  // as capabilities(7) spells it, the metric's label value
  int bit;
};

// CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE, CAP_NET_ADMIN (exit
// accounting, docs/exits.md), in that order.
const std::vector<WatchedCapability>& WatchedCapabilities();

// The CapEff mask of a /proc/<pid>/status text; nullopt when the line is
// missing or not 1 to 16 hex digits.
std::optional<std::uint64_t> ParseCapEff(std::string_view status);

struct Privileges {
  std::optional<std::uint64_t> cap_eff;  // nullopt: not readable (the metric is then absent)
  std::uint32_t euid = 0;
  bool Has(int bit) const { return cap_eff && ((*cap_eff >> bit) & 1U); }
};

// Reads CapEff from `status_path` and the effective uid from geteuid().
Privileges ReadOwnPrivileges(const std::string& status_path = "/proc/self/status");

// What the exporter will and will not read of other users' processes with
// these privileges, one message per gap, for the start-up log.
std::vector<PrivilegeNote> DescribePrivileges(const Privileges& p);

}  // namespace proctree
