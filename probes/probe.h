#pragma once
// The one interface every OS module implements (psutil's per-OS modules
// behind one API). The exporter scans from one thread at a time.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/exit_record.h"
#include "probes/memory_details.h"
#include "probes/probe_errors.h"
#include "probes/process_sample.h"
#include "probes/scan_request.h"

namespace proctree {

// What a module can provide at all; a feature the OS lacks is reported as
// unsupported and its families are absent, never zeros.
enum class Feature {
  kCpuTimes,
  kChildrenCpuTimes,
  kBlkioDelay,
  kMemoryInfo,
  kSwap,
  kPageFaults,
  kCtxSwitches,
  kNumThreads,
  kNumFds,
  kMaxFds,
  kIoCounters,
  kNice,
  kUids,
  kMemoryMaps,
  kUss,
  kPss,
  kSwapPss,
  kSchedstat,
  kNumHandles,  // Windows' handle count (files, keys, events, threads...): not fds
  kExitAccounting,  // records of processes that exited between scrapes (exit_record.h)
  kCount,
};

// kAccessDenied: psutil's AccessDenied, the process is there but its details
// are not for us (the error is counted); kUnsupported: the kernel has no such
// file for any process (told once at open, never counted).
enum class DetailOutcome { kOk, kVanished, kAccessDenied, kFailed, kUnsupported };

std::string_view FeatureName(Feature f);

struct ScanResult {
  std::vector<ProcessSample> processes;
  bool deadline_exceeded = false;  // ScanRequest::deadline cut the scan short
};

class Probe {
 public:
  virtual ~Probe() = default;
  virtual std::string_view os() const = 0;
  virtual bool Supports(Feature f) const = 0;
  // Reads every visible process once.
  virtual ScanResult Scan(const ScanRequest& req, ScanErrors& errors) const = 0;
  // Phase 2 of a two-phase scan: a scan reads for every process only what
  // totals and selection need (req.groups of Scan); this reads req.groups for
  // the processes at `rows` of scan->processes, the ones with per-process
  // series, and copies them in (CopyGroups). A process that is gone, or
  // whose pid now names another process (another start time), is left as
  // phase 1 read it: never completed with another process's data. The
  // default scans again and takes the rows' fields by key: correct for any
  // module, though it reads every process; a module that can read one
  // process by pid overrides it. False when req.deadline passed before every
  // row was read (the rest keep only phase 1's fields; totals are whole).
  virtual bool Complete(const ScanRequest& req, const std::vector<int>& rows, ScanResult* scan,
                        ScanErrors& errors) const;
  // Whether Complete reads only the processes at `rows` (true where a module
  // overrides it to read by pid). Where it scans every process again, a
  // caller makes one call, not one per set of groups.
  virtual bool CompletesByPid() const { return false; }
  // Reads the calling process itself (for the exporter's own process_* metrics).
  virtual std::optional<ProcessSample> SampleSelf(const ScanRequest& req,
                                                  ScanErrors& errors) const = 0;
  // uss/pss (and, with maps, the per-path memory maps) of one process, only
  // if it is still the process `key` names. Expensive: see smaps_cache.h.
  virtual DetailOutcome ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                          ScanErrors& errors) const = 0;

  // Exit accounting (kExitAccounting), for modules that can tell what a
  // process did after the last scrape saw it. Start: begins listening; false
  // (with *why) where the OS or the exporter's privileges do not allow it.
  virtual bool StartExitAccounting(const ExitAccountingOptions&, std::string* why) {
    *why = "not provided by this OS module";
    return false;
  }
  // Moves the records received since the last call into *out (appended);
  // false when exit accounting is not running. Call it after Scan: a record
  // whose process that scan saw is a thread of a live process or a zombie.
  virtual bool DrainExits(std::vector<ExitRecord>* /*out*/, ExitStats* /*stats*/) const { return false; }
};

}  // namespace proctree
