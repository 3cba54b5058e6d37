#pragma once
// The Windows module: one NtQuerySystemInformation(SystemProcessInformation)
// call per scan for every process's identity and counters; OpenProcess per
// process only for what that call lacks (the image path, memory maps).
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "probes/probe.h"

namespace proctree {

struct WinApi;

class WindowsProbe final : public Probe {
 public:
  static std::unique_ptr<WindowsProbe> Open(std::string* error);
  ~WindowsProbe() override;

  std::string_view os() const override { return "windows"; }
  bool Supports(Feature f) const override;
  ScanResult Scan(const ScanRequest& req, ScanErrors& errors) const override;
  std::optional<ProcessSample> SampleSelf(const ScanRequest& req, ScanErrors& errors) const override;
  DetailOutcome ReadMemoryDetails(const ProcessKey& key, bool maps, MemoryDetails* out,
                                  ScanErrors& errors) const override;

 private:
  WindowsProbe(std::unique_ptr<WinApi> api, double boot_time);
  // The whole process list into buf_; false (counted) when it cannot be read.
  bool QueryProcessList(ScanErrors& errors, std::size_t* bytes) const;
  // Fills s->exe; false when the process is gone (drop it).
  bool ReadExe(ProcessSample* s, ScanErrors& errors) const;

  std::unique_ptr<WinApi> api_;
  double boot_time_;
  // Kept between scans (one at a time): the list of a busy machine is megabytes.
  mutable std::vector<std::uint64_t> buf_;
};

}  // namespace proctree
