#include "probes/os/windows/windows_probe.h"

#include "probes/os/windows/win_api.h"
#include "probes/os/windows/win_privilege.h"

namespace proctree {

WindowsProbe::WindowsProbe(std::unique_ptr<WinApi> api) : api_(std::move(api)) {}
WindowsProbe::~WindowsProbe() = default;

std::unique_ptr<WindowsProbe> WindowsProbe::Open(std::string* error) {
  auto api = std::make_unique<WinApi>();
  if (!LoadWinApi(api.get(), error)) return nullptr;
  api->devices = ReadDevicePaths();
  EnableDebugPrivilege();
  return std::unique_ptr<WindowsProbe>(new WindowsProbe(std::move(api)));
}

bool WindowsProbe::Supports(Feature) const { return false; }

ScanResult WindowsProbe::Scan(const ScanRequest&, ScanErrors&) const { return {}; }

std::optional<ProcessSample> WindowsProbe::SampleSelf(const ScanRequest&, ScanErrors&) const {
  return std::nullopt;
}

}  // namespace proctree
