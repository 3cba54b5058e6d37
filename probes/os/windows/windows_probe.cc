#include "probes/os/windows/windows_probe.h"

#include <chrono>

#include "probes/os/windows/process_handle.h"
#include "probes/os/windows/process_list.h"
#include "probes/os/windows/win_api.h"
#include "probes/os/windows/win_privilege.h"

namespace proctree {

namespace {

constexpr ULONG kSystemProcessInformation = 5;
constexpr std::uint32_t kStatusInfoLengthMismatch = 0xC0000004u;
constexpr std::uint32_t kStatusBufferTooSmall = 0xC0000023u;
constexpr int kListAttempts = 8;  // processes started between two calls grow the list again
constexpr std::size_t kMaxListBytes = std::size_t{1} << 30;

double NowUnixSeconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

WindowsProbe::WindowsProbe(std::unique_ptr<WinApi> api, double boot_time)
    : api_(std::move(api)), boot_time_(boot_time), buf_((512 * 1024) / sizeof(std::uint64_t)) {}
WindowsProbe::~WindowsProbe() = default;

std::unique_ptr<WindowsProbe> WindowsProbe::Open(std::string* error) {
  auto api = std::make_unique<WinApi>();
  if (!LoadWinApi(api.get(), error)) return nullptr;
  api->devices = ReadDevicePaths();
  EnableDebugPrivilege();  // before any OpenProcess; InspectSelf reports the outcome
  const double boot_time = NowUnixSeconds() - static_cast<double>(::GetTickCount64()) / 1000.0;
  return std::unique_ptr<WindowsProbe>(new WindowsProbe(std::move(api), boot_time));
}

bool WindowsProbe::Supports(Feature f) const {
  switch (f) {
    case Feature::kCpuTimes:
    case Feature::kMemoryInfo:
    case Feature::kPageFaults:
    case Feature::kNumThreads:
    case Feature::kIoCounters:
    case Feature::kMemoryMaps:
    case Feature::kNumHandles: return true;
    // No reaped-children times, delay accounting, swap per process, context
    // switches by kind, fds or their limit, nice, uids (SIDs), uss/pss.
    default: return false;
  }
}

bool WindowsProbe::QueryProcessList(ScanErrors& errors, std::size_t* bytes) const {
  for (int attempt = 0; attempt < kListAttempts; ++attempt) {
    ULONG needed = 0;
    const ULONG have = static_cast<ULONG>(buf_.size() * sizeof(std::uint64_t));
    const auto status = static_cast<std::uint32_t>(
        api_->NtQuerySystemInformation(kSystemProcessInformation, buf_.data(), have, &needed));
    if (status == 0) {
      *bytes = have;
      return true;
    }
    if (status != kStatusInfoLengthMismatch && status != kStatusBufferTooSmall) {
      errors.SyscallNamed(0, "NtQuerySystemInformation", "process_list", "SystemProcessInformation",
                          win::NtStatusName(status));
      return false;
    }
    // Room for what it needed and for processes started before the next call.
    std::size_t want = std::max<std::size_t>(needed, have) + needed / 8 + 64 * 1024;
    if (want > kMaxListBytes) break;
    buf_.assign((want + sizeof(std::uint64_t) - 1) / sizeof(std::uint64_t), 0);
  }
  errors.SyscallNamed(0, "NtQuerySystemInformation", "process_list", "SystemProcessInformation",
                      win::NtStatusName(kStatusInfoLengthMismatch));
  return false;
}

// The System Idle Process (0) and System (4) have no image file.
bool WindowsProbe::ReadExe(ProcessSample* s, ScanErrors& errors) const {
  if (s->pid == 0 || s->pid == 4) {
    s->exe.mark(FieldState::kUnsupported);
    return true;
  }
  ProcessHandle h;
  const DetailOutcome opened = h.Open(s->pid, s->start_time_ticks, PROCESS_QUERY_LIMITED_INFORMATION, "exe", errors);
  if (opened == DetailOutcome::kVanished) return false;
  if (opened != DetailOutcome::kOk) {
    s->exe.mark(FieldState::kFailed);
    return true;
  }
  std::vector<wchar_t> path(32768);  // the longest path Windows has
  DWORD n = static_cast<DWORD>(path.size());
  if (!api_->QueryFullProcessImageNameW(h.get(), 0, path.data(), &n)) {
    if (RecordWin32(errors, s->pid, "QueryFullProcessImageNameW", "exe", ::GetLastError()) == ErrorKind::kVanished)
      return false;
    s->exe.mark(FieldState::kFailed);
    return true;
  }
  s->exe.set(win::Utf16ToUtf8(std::u16string_view(reinterpret_cast<const char16_t*>(path.data()), n)));
  return true;
}

ScanResult WindowsProbe::Scan(const ScanRequest& req, ScanErrors& errors) const {
  ScanResult result;
  std::size_t bytes = 0;
  if (!QueryProcessList(errors, &bytes)) return result;
  if (!win::ForEachProcess(buf_.data(), bytes, [&](const win::SpiEntry& e) {
        if (result.deadline_exceeded) return;
        if (req.deadline && std::chrono::steady_clock::now() >= *req.deadline) {
          result.deadline_exceeded = true;
          return;
        }
        ProcessSample s;
        win::FillSample(e, req, boot_time_, &s);
        if (req.groups.has(FieldGroup::kExe) && !ReadExe(&s, errors)) return;
        result.processes.push_back(std::move(s));
      }))
    errors.Parse(0, "process_list", "SystemProcessInformation");
  return result;
}

std::optional<ProcessSample> WindowsProbe::SampleSelf(const ScanRequest& req, ScanErrors& errors) const {
  std::size_t bytes = 0;
  if (!QueryProcessList(errors, &bytes)) return std::nullopt;
  const auto self = static_cast<std::uintptr_t>(::GetCurrentProcessId());
  std::optional<ProcessSample> out;
  win::ForEachProcess(buf_.data(), bytes, [&](const win::SpiEntry& e) {
    if (e.process.unique_process_id != self) return;
    ProcessSample s;
    win::FillSample(e, req, boot_time_, &s);
    if (req.groups.has(FieldGroup::kExe) && !ReadExe(&s, errors)) return;
    out = std::move(s);
  });
  return out;
}

}  // namespace proctree
