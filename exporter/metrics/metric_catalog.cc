#include "exporter/metrics/metric_catalog.h"

#include <prometheus/check_names.h>

namespace proctree {

namespace {
using prometheus::MetricType;
using G = FieldGroup;

const std::vector<FamilyDef> kCatalog = {
    {Fam::kProcessInfo, "proctree_process_info", "Process identity: parent pid and user. Always 1.",
     MetricType::Gauge, FieldGroups(G::kStat) | G::kStatus, "ppid user"},
    {Fam::kProcessStartTime, "proctree_process_start_time_seconds",
     "Start time of the process since the unix epoch in seconds.", MetricType::Gauge, G::kStat},
    {Fam::kProcessCpu, "proctree_process_cpu_seconds_total",
     "CPU time spent by the process, by mode.", MetricType::Counter, G::kStat, "mode"},
    {Fam::kProcessChildrenCpu, "proctree_process_children_cpu_seconds_total",
     "CPU time of the process's waited-for (reaped) children, by mode.", MetricType::Counter, G::kStat, "mode"},
    {Fam::kProcessBlkioDelay, "proctree_process_blkio_delay_seconds_total",
     "Time the process spent waiting for block IO (delay accounting).", MetricType::Counter, G::kStat},
    {Fam::kProcessMemory, "proctree_process_memory_bytes", "Process memory by type, in bytes.",
     MetricType::Gauge, FieldGroups(G::kMemory) | G::kStatus, "memtype"},
    {Fam::kProcessPageFaults, "proctree_process_page_faults_total", "Page faults by kind.",
     MetricType::Counter, G::kStat, "kind"},
    {Fam::kProcessContextSwitches, "proctree_process_context_switches_total",
     "Context switches by kind.", MetricType::Counter, G::kStatus, "kind"},
    {Fam::kProcessThreads, "proctree_process_threads", "Number of threads in the process.",
     MetricType::Gauge, G::kStat},
    {Fam::kProcessOpenFds, "proctree_process_open_fds", "Number of open file descriptors.",
     MetricType::Gauge, G::kFds},
    {Fam::kProcessHandles, "proctree_process_handles",
     "Number of open handles of any kind: files, registry keys, events, threads... (Windows; absent elsewhere).",
     MetricType::Gauge, G::kStat},
    {Fam::kProcessMaxFds, "proctree_process_max_fds",
     "Soft limit on open file descriptors (+Inf when unlimited).", MetricType::Gauge, G::kLimits},
    {Fam::kProcessIoBytes, "proctree_process_io_bytes_total",
     "Bytes the process caused to be read from or written to storage.", MetricType::Counter, G::kIo, "direction"},
    {Fam::kProcessIoChars, "proctree_process_io_chars_total",
     "Bytes passed to read and write system calls, including cache hits.", MetricType::Counter, G::kIo, "direction"},
    {Fam::kProcessIoSyscalls, "proctree_process_io_syscalls_total",
     "Read and write system calls made by the process.", MetricType::Counter, G::kIo, "direction"},
    {Fam::kProcessNice, "proctree_process_nice", "Nice value of the process.", MetricType::Gauge,
     G::kStat},
    {Fam::kProcessSchedRun, "proctree_process_sched_run_seconds_total",
     "Time the process's main thread (the thread-group leader) ran on a CPU, from schedstat (ns precision).",
     MetricType::Counter, G::kSchedstat},
    {Fam::kProcessSchedWait, "proctree_process_sched_wait_seconds_total",
     "Time the process's main thread (the thread-group leader) was runnable but waited on a run queue, from "
     "schedstat: how much it was starved for CPU.",
     MetricType::Counter, G::kSchedstat},
    {Fam::kProcessOomScoreAdj, "proctree_process_oom_score_adj",
     "The process's oom_score_adj (-1000: never OOM-killed, 1000: killed first). Off in the default config.",
     MetricType::Gauge, G::kOomScoreAdj},
    {Fam::kProcesses, "proctree_processes", "Number of processes by state.", MetricType::Gauge,
     G::kStat, "state"},
    {Fam::kProcessMemoryMapBytes, "proctree_process_memory_map_bytes",
     "Memory maps of the process grouped by path (psutil's memory_maps(grouped=True)), by type; "
     "only for processes the config selects for maps.",
     MetricType::Gauge, G::kMemory, "path memtype"},
    {Fam::kProcessMemoryMaps, "proctree_process_memory_maps",
     "Number of memory mappings of the process; only for processes the config selects for maps.",
     MetricType::Gauge, G::kMemory},
    {Fam::kProcessDepth, "proctree_process_depth",
     "Generations between the process and its tree's root (0 for a root).", MetricType::Gauge, G::kStat},
    {Fam::kProcessAncestor, "proctree_process_ancestor",
     "One series per ancestor of the process, up to tree.max_ancestor_depth of the nearest; the value is how many "
     "generations up (1: parent).",
     MetricType::Gauge, G::kStat, "ancestor_pid"},
    {Fam::kTreeAncestorsTruncated, "proctree_tree_ancestors_truncated_processes",
     "Processes in this scrape with more ancestors than tree.max_ancestor_depth: their proctree_process_ancestor "
     "series stop at the nearest tree.max_ancestor_depth.",
     MetricType::Gauge, G::kStat},
    {Fam::kTreeSubtreesTruncated, "proctree_tree_subtrees_truncated_roots",
     "Subtree roots left out of this scrape because tree.max_ancestor_depth other roots enclose them "
     "(each process counts in at most tree.max_ancestor_depth subtrees).",
     MetricType::Gauge, G::kStat},
    {Fam::kSubtreeProcesses, "proctree_subtree_processes",
     "Processes in the subtree of the root pid, the root included.", MetricType::Gauge, G::kStat},
    {Fam::kSubtreeThreads, "proctree_subtree_threads", "Threads in the subtree of the root pid.",
     MetricType::Gauge, G::kStat},
    {Fam::kSubtreeOpenFds, "proctree_subtree_open_fds", "Open file descriptors in the subtree of the root pid.",
     MetricType::Gauge, FieldGroups(G::kStat) | G::kFds},
    {Fam::kSubtreeMemory, "proctree_subtree_memory_bytes",
     "Memory of the subtree of the root pid by type, summed over its processes (shared pages count once per process).",
     MetricType::Gauge, FieldGroups(G::kStat) | G::kMemory | G::kStatus, "memtype"},
    {Fam::kSubtreeCpu, "proctree_subtree_cpu_seconds_total",
     "CPU time of the subtree of the root pid, including exited and reaped descendants, by mode.",
     MetricType::Counter, G::kStat, "mode"},
    {Fam::kSubtreeIoBytes, "proctree_subtree_io_bytes_total",
     "Storage IO of the subtree of the root pid, including exited and reaped descendants, by direction.",
     MetricType::Counter, FieldGroups(G::kStat) | G::kIo, "direction"},
    {Fam::kSubtreePageFaults, "proctree_subtree_page_faults_total",
     "Page faults of the subtree of the root pid, including exited and reaped descendants, by kind.",
     MetricType::Counter, G::kStat, "kind"},
    {Fam::kSubtreeContextSwitches, "proctree_subtree_context_switches_total",
     "Context switches of the subtree of the root pid, including exited descendants, by kind.", MetricType::Counter,
     FieldGroups(G::kStat) | G::kStatus, "kind"},
    {Fam::kSubtreeIoChars, "proctree_subtree_io_chars_total",
     "Bytes passed to read and write system calls by the subtree of the root pid, including exited descendants.",
     MetricType::Counter, FieldGroups(G::kStat) | G::kIo, "direction"},
    {Fam::kSubtreeIoSyscalls, "proctree_subtree_io_syscalls_total",
     "Read and write system calls of the subtree of the root pid, including exited descendants.",
     MetricType::Counter, FieldGroups(G::kStat) | G::kIo, "direction"},
    {Fam::kSubtreeSchedRun, "proctree_subtree_sched_run_seconds_total",
     "Time the main threads of the subtree of the root pid ran on a CPU, including exited descendants.",
     MetricType::Counter, FieldGroups(G::kStat) | G::kSchedstat},
    {Fam::kSubtreeSchedWait, "proctree_subtree_sched_wait_seconds_total",
     "Time the main threads of the subtree of the root pid waited on a run queue, including exited descendants.",
     MetricType::Counter, FieldGroups(G::kStat) | G::kSchedstat},
    {Fam::kGroupProcesses, "proctree_group_processes", "Processes in the group.", MetricType::Gauge, G::kStat, "group"},
    {Fam::kGroupThreads, "proctree_group_threads", "Threads in the group.", MetricType::Gauge, G::kStat, "group"},
    {Fam::kGroupOpenFds, "proctree_group_open_fds", "Open file descriptors in the group.", MetricType::Gauge,
     FieldGroups(G::kStat) | G::kFds, "group"},
    {Fam::kGroupMemory, "proctree_group_memory_bytes",
     "Memory of the group by type, summed over its processes (shared pages count once per process).",
     MetricType::Gauge, FieldGroups(G::kStat) | G::kMemory | G::kStatus, "group memtype"},
    {Fam::kGroupCpu, "proctree_group_cpu_seconds_total",
     "CPU time of the group, including exited members, by mode.", MetricType::Counter, G::kStat, "group mode"},
    {Fam::kGroupIoBytes, "proctree_group_io_bytes_total",
     "Storage IO of the group, including exited members, by direction.", MetricType::Counter,
     FieldGroups(G::kStat) | G::kIo, "group direction"},
    {Fam::kGroupPageFaults, "proctree_group_page_faults_total",
     "Page faults of the group, including exited members, by kind.", MetricType::Counter, G::kStat, "group kind"},
    {Fam::kGroupContextSwitches, "proctree_group_context_switches_total",
     "Context switches of the group, including exited members, by kind.", MetricType::Counter,
     FieldGroups(G::kStat) | G::kStatus, "group kind"},
    {Fam::kGroupIoChars, "proctree_group_io_chars_total",
     "Bytes passed to read and write system calls by the group, including exited members.", MetricType::Counter,
     FieldGroups(G::kStat) | G::kIo, "group direction"},
    {Fam::kGroupIoSyscalls, "proctree_group_io_syscalls_total",
     "Read and write system calls of the group, including exited members.", MetricType::Counter,
     FieldGroups(G::kStat) | G::kIo, "group direction"},
    {Fam::kGroupSchedRun, "proctree_group_sched_run_seconds_total",
     "Time the main threads of the group's processes ran on a CPU, including exited members.", MetricType::Counter,
     FieldGroups(G::kStat) | G::kSchedstat, "group"},
    {Fam::kGroupSchedWait, "proctree_group_sched_wait_seconds_total",
     "Time the main threads of the group's processes waited on a run queue, including exited members.",
     MetricType::Counter, FieldGroups(G::kStat) | G::kSchedstat, "group"},
    {Fam::kGroupExitedProcesses, "proctree_group_exited_processes_total",
     "Processes of the group that exited, from exit records (exit accounting, docs/exits.md), by reason: normal "
     "(exit code 0), nonzero_exit, signal (killed by a signal).",
     MetricType::Counter, G::kStat, "group reason"},
    {Fam::kGroupExitedCpu, "proctree_group_exited_cpu_seconds_total",
     "The part of proctree_group_cpu_seconds_total that exit records added: CPU of members after the last scrape "
     "saw them, and of processes born and gone between two scrapes, by mode.",
     MetricType::Counter, G::kStat, "group mode"},
    {Fam::kExitRecordsLost, "proctree_exit_records_lost_total",
     "Exit records lost, by reason: receive_buffer (the kernel dropped them, a full socket buffer: raise "
     "exits.receive_buffer_bytes), queue_full (more exits between two scrapes than the queue holds), "
     "unknown_layout (a taskstats version this build cannot read).",
     MetricType::Counter, {}, "reason"},
    {Fam::kProbeErrors, "proctree_probe_errors_total",
     "Failed system calls while probing processes, by syscall, source and errno.",
     MetricType::Counter, {}, "syscall source errno"},
    {Fam::kProbeParseErrors, "proctree_probe_parse_errors_total",
     "Files that were read but did not have the expected format, by source.", MetricType::Counter, {}, "source"},
    {Fam::kProbeFeatureSupported, "proctree_probe_feature_supported",
     "Whether this OS module can provide a feature at all (1) or not (0).", MetricType::Gauge, {}, "feature"},
    {Fam::kProbeSkipped, "proctree_probe_skipped_total",
     "Reads not done to bound their cost, by source and reason (interval: cached, budget: the scrape's "
     "budget was spent, rss: above memory.max_rss_bytes).",
     MetricType::Counter, {}, "source reason"},
    {Fam::kScrapeDuration, "proctree_scrape_duration_seconds", "Duration of this scrape, by phase: probe (reading /proc), select, memory_details (smaps), aggregate (subtree and group totals), client_wait (waiting for a slow client to take earlier bytes), serialize.",
     MetricType::Gauge, {}, "phase"},
    {Fam::kScrapeProcesses, "proctree_scrape_processes", "Processes read in this scrape.",
     MetricType::Gauge, {}},
    {Fam::kScrapeTruncated, "proctree_scrape_truncated_processes",
     "Processes that would have per-process series but are counted only in their group and subtree totals in "
     "this scrape, by reason: top_n (neither ranked by top_n nor held), max_processes (beyond "
     "limits.max_processes).",
     MetricType::Gauge, {}, "reason"},
    {Fam::kScrapeDeadlineExceeded, "proctree_scrape_deadline_exceeded_total",
     "Scrapes that reached the deadline from X-Prometheus-Scrape-Timeout-Seconds and served what they had read.",
     MetricType::Counter, {}},
    {Fam::kScrapeSeriesLimitDropped, "proctree_scrape_series_limit_dropped",
     "Samples limits.max_series left out of this scrape: per-process series first, then subtree, then group "
     "totals.",
     MetricType::Gauge, {}},
    {Fam::kScrapeSeriesLimitCuts, "proctree_scrape_series_limit_cuts_total",
     "Scrapes in which limits.max_series left samples out.", MetricType::Counter, {}},
    {Fam::kConfigReloadSuccessful, "proctree_config_last_reload_successful",
     "Whether the last configuration reload attempt was successful.", MetricType::Gauge, {}},
    {Fam::kConfigReloadTimestamp, "proctree_config_last_reload_success_timestamp_seconds",
     "Timestamp of the last successful configuration reload.", MetricType::Gauge, {}},
    {Fam::kBuildInfo, "proctree_exporter_build_info",
     "Version, revision and OS of this exporter build. Always 1.", MetricType::Gauge, {}, "version revision os"},
    {Fam::kExporterCapability, "proctree_exporter_capability",
     "Whether the exporter holds the capability in its effective set (1) or not (0): without CAP_SYS_PTRACE, or "
     "without either of CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE, some files of other users' processes are "
     "unreadable (counted as EACCES in proctree_probe_errors_total).",
     MetricType::Gauge, {}, "capability"},
    {Fam::kExporterPidNamespace, "proctree_exporter_pid_namespace_info",
     "The exporter's pid namespace, the one its procfs shows and how they relate (procfs_view: own, ancestor, "
     "other, not_procfs, unknown). Always 1.",
     MetricType::Gauge, {}, "exporter_pid_namespace procfs procfs_pid_namespace procfs_view"},
    {Fam::kSelfCpu, "process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
     MetricType::Counter, {}},
    {Fam::kSelfResidentMemory, "process_resident_memory_bytes", "Resident memory size in bytes.",
     MetricType::Gauge, {}},
    {Fam::kSelfVirtualMemory, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
     MetricType::Gauge, {}},
    {Fam::kSelfOpenFds, "process_open_fds", "Number of open file descriptors.", MetricType::Gauge, {}},
    {Fam::kSelfMaxFds, "process_max_fds", "Maximum number of open file descriptors.",
     MetricType::Gauge, {}},
    {Fam::kSelfStartTime, "process_start_time_seconds",
     "Start time of the process since unix epoch in seconds.", MetricType::Gauge, {}},
};

// Every label name any family uses; checked at start-up with the families.
const char* const kLabelNames[] = {"pid",   "comm",     "ppid",   "user",      "mode",   "memtype",
                                   "kind",  "direction", "state", "syscall",   "source", "errno",
                                   "feature", "phase", "ancestor_pid", "group", "exe", "cgroup", "container_id", "cmdline", "path", "reason",   "version", "revision", "os",
                                   "capability", "exporter_pid_namespace", "procfs", "procfs_pid_namespace", "procfs_view"};
}  // namespace

const std::vector<FamilyDef>& Catalog() { return kCatalog; }

bool HasProcessIdentity(const FamilyDef& d) {
  const auto starts = [&](std::string_view prefix) { return d.name.substr(0, prefix.size()) == prefix; };
  return (starts("proctree_process_") || starts("proctree_subtree_")) && d.id != Fam::kProcesses;
}

bool CountsEveryProcess(Fam f) {
  return f == Fam::kProcesses || (f >= Fam::kTreeSubtreesTruncated && f <= Fam::kGroupIoSyscalls);
}

const FamilyDef& Def(Fam f) { return kCatalog[static_cast<std::size_t>(f)]; }

std::vector<std::string> CatalogNames() {
  std::vector<std::string> names;
  for (const auto& d : kCatalog) names.emplace_back(d.name);
  return names;
}

EnabledFamilies EnabledFamilies::All() {
  EnabledFamilies e;
  e.bits_.set();
  return e;
}

EnabledFamilies EnabledFamilies::FromPolicy(const MetricsPolicy& policy) {
  EnabledFamilies e;
  for (const auto& d : kCatalog) e.set(d.id, policy.Allows(d.name));
  return e;
}

FieldGroups EnabledFamilies::RequiredGroups() const {
  FieldGroups g;
  for (const auto& d : kCatalog)
    if (has(d.id)) g |= d.needs;
  // A process without stat has no identity, so stat is read whenever any process family is on.
  if (!g.empty()) g |= FieldGroup::kStat;
  return g;
}

FieldGroups EnabledFamilies::EveryProcessGroups() const {
  FieldGroups g;
  for (const auto& d : kCatalog)
    if (has(d.id) && CountsEveryProcess(d.id)) g |= d.needs;
  if (!g.empty()) g |= FieldGroup::kStat;
  return g;
}

bool CheckCatalogNames(std::string* error) {
  for (std::size_t i = 0; i < kCatalog.size(); ++i) {
    const auto& d = kCatalog[i];
    if (static_cast<std::size_t>(d.id) != i) {
      *error = "catalog out of order at " + std::string(d.name);
      return false;
    }
    if (!prometheus::CheckMetricName(std::string(d.name))) {
      *error = "invalid metric name " + std::string(d.name);
      return false;
    }
  }
  for (const char* l : kLabelNames) {
    if (!prometheus::CheckLabelName(l)) {
      *error = std::string("invalid label name ") + l;
      return false;
    }
  }
  return true;
}

}  // namespace proctree
