#pragma once
// Every family the exporter can serve: name, help, type and which probe field
// groups it needs. The allowlist is applied here, so a family that is off
// makes its /proc file unread.
#include <bitset>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_type.h>

#include "config/config.h"
#include "probes/scan_request.h"

namespace proctree {

enum class Fam : int {
  kProcessInfo,
  kProcessStartTime,
  kProcessCpu,
  kProcessChildrenCpu,
  kProcessBlkioDelay,
  kProcessMemory,
  kProcessPageFaults,
  kProcessContextSwitches,
  kProcessThreads,
  kProcessOpenFds,
  kProcessHandles,
  kProcessMaxFds,
  kProcessIoBytes,
  kProcessIoChars,
  kProcessIoSyscalls,
  kProcessNice,
  kProcessSchedRun,
  kProcessSchedWait,
  kProcessOomScoreAdj,
  kProcesses,
  kProcessMemoryMapBytes,
  kProcessMemoryMaps,
  kProcessDepth,
  kProcessAncestor,
  kTreeAncestorsTruncated,
  kTreeSubtreesTruncated,
  kSubtreeProcesses,
  kSubtreeThreads,
  kSubtreeOpenFds,
  kSubtreeMemory,
  kSubtreeCpu,
  kSubtreeIoBytes,
  kSubtreePageFaults,
  kSubtreeContextSwitches,
  kSubtreeIoChars,
  kSubtreeIoSyscalls,
  kSubtreeSchedRun,
  kSubtreeSchedWait,
  kGroupProcesses,
  kGroupThreads,
  kGroupOpenFds,
  kGroupMemory,
  kGroupCpu,
  kGroupIoBytes,
  kGroupPageFaults,
  kGroupContextSwitches,
  kGroupIoChars,
  kGroupIoSyscalls,
  kGroupSchedRun,
  kGroupSchedWait,
  kGroupExitedProcesses,
  kGroupExitedCpu,
  kExitRecordsLost,
  kProbeErrors,
  kProbeParseErrors,
  kProbeFeatureSupported,
  kProbeSkipped,
  kScrapeDuration,
  kScrapeProcesses,
  kScrapeTruncated,
  kScrapeDeadlineExceeded,
  kScrapeSeriesLimitDropped,
  kScrapeSeriesLimitCuts,
  kConfigReloadSuccessful,
  kConfigReloadTimestamp,
  kBuildInfo,
  kExporterCapability,
  kExporterPidNamespace,
  kSelfCpu,
  kSelfResidentMemory,
  kSelfVirtualMemory,
  kSelfOpenFds,
  kSelfMaxFds,
  kSelfStartTime,
  kCount,
};

struct FamilyDef {
  Fam id;
  std::string_view name;
  std::string_view help;
  prometheus::MetricType type;
  FieldGroups needs;  // for per-process families: what the probe must read
  // The family's own label names, space-separated, in the order written; a
  // proctree_process_* or proctree_subtree_* sample also starts with the
  // process identity (pid, comm and the optional labels the config turns on).
  std::string_view labels = {};
};

// True for the families whose samples start with the process identity labels.
bool HasProcessIdentity(const FamilyDef& d);
// True for the families whose figures count every process, not only the
// processes with per-process series.
bool CountsEveryProcess(Fam f);

const std::vector<FamilyDef>& Catalog();
const FamilyDef& Def(Fam f);
std::vector<std::string> CatalogNames();

class EnabledFamilies {
 public:
  static EnabledFamilies All();
  static EnabledFamilies FromPolicy(const MetricsPolicy& policy);
  bool has(Fam f) const { return bits_.test(static_cast<std::size_t>(f)); }
  void set(Fam f, bool on) { bits_.set(static_cast<std::size_t>(f), on); }
  // The union of the field groups the enabled per-process families need.
  FieldGroups RequiredGroups() const;
  // What the enabled families that count every process need (process
  // counts, subtree and group totals): read for every process, phase 1 of a
  // scan. The rest of RequiredGroups is read only for the processes with
  // per-process series (Probe::Complete).
  FieldGroups EveryProcessGroups() const;

 private:
  std::bitset<static_cast<std::size_t>(Fam::kCount)> bits_;
};

// Checks every metric and label name the exporter can emit; false with
// *error naming the first invalid one.
bool CheckCatalogNames(std::string* error);

}  // namespace proctree
