#pragma once
// The Windows module: one NtQuerySystemInformation(SystemProcessInformation)
// call per scan for every process's identity and counters; OpenProcess per
// process only for what that call lacks (the image path, memory maps).
#include <memory>
#include <string>

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
  explicit WindowsProbe(std::unique_ptr<WinApi> api);
  std::unique_ptr<WinApi> api_;
};

}  // namespace proctree
