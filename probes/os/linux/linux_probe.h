#pragma once
// The Linux module: everything from procfs, each process read once per scan
// (psutil's oneshot()), files opened relative to per-pid directory fds.
#include <memory>
#include <string>

#include "probes/os/linux/taskstats_listener.h"
#include "probes/probe.h"

namespace proctree {

class LinuxProbe final : public Probe {
 public:
  // root is the procfs mount (/proc, /host/proc, or a fixture tree).
  static std::unique_ptr<LinuxProbe> Open(const std::string& root, std::string* error);
  ~LinuxProbe() override;

  std::string_view os() const override { return "linux"; }
  bool Supports(Feature f) const override;
  ScanResult Scan(const ScanRequest& req, ScanErrors& errors) const override;
  bool Complete(const ScanRequest& req, const std::vector<int>& rows, ScanResult* scan,
                ScanErrors& errors) const override;
  bool CompletesByPid() const override { return true; }
  std::optional<ProcessSample> SampleSelf(const ScanRequest& req, ScanErrors& errors) const override;
  DetailOutcome ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                  ScanErrors& errors) const override;
  // The taskstats exit listener (taskstats_listener.h); only for the real
  // /proc, whose pids the kernel's records name.
  bool StartExitAccounting(const ExitAccountingOptions& opts, std::string* why) override;
  bool DrainExits(std::vector<ExitRecord>* out, ExitStats* stats) const override;

  double boot_time() const { return boot_time_; }

  // Per-process files a kernel may be built without: no io without
  // CONFIG_TASK_IO_ACCOUNTING (and in some sandboxes, such as gVisor), no
  // limits before Linux 2.6.24, no schedstat without CONFIG_SCHED_INFO.
  struct MissingFiles {
    bool io = false;
    bool limits = false;
    bool smaps_rollup = false;  // before Linux 4.14: uss/pss come from smaps
    bool smaps = false;         // CONFIG_PROC_PAGE_MONITOR=n: no uss, pss or maps at all
    bool schedstat = false;     // CONFIG_SCHED_INFO=n: no run-queue delay
  };

 private:
  static MissingFiles FindMissingFiles(int dir_fd);

  LinuxProbe(int root_fd, double boot_time, long ticks)
      : root_fd_(root_fd), boot_time_(boot_time), ticks_(static_cast<double>(ticks)) {}

  int root_fd_;
  double boot_time_;
  double ticks_;
  MissingFiles missing_;     // in root's procfs
  MissingFiles self_missing_;  // in the real /proc, which SampleSelf reads
  std::unique_ptr<TaskstatsListener> exits_;  // set once, before the first scan
};

}  // namespace proctree
