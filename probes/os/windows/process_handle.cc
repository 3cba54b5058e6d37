#include "probes/os/windows/process_handle.h"

#include <string>

#include "probes/os/windows/win_text.h"

namespace proctree {

ErrorKind RecordWin32(ScanErrors& errors, std::int64_t pid, std::string_view api, std::string_view source,
                      DWORD err) {
  errors.SyscallNamed(pid, api, source, "pid " + std::to_string(pid), win::Win32ErrorName(err));
  return win::TranslateWin32Error(err);
}

ProcessHandle::~ProcessHandle() {
  if (h_) ::CloseHandle(h_);
}

DetailOutcome ProcessHandle::Open(std::int64_t pid, std::uint64_t create_time, DWORD access,
                                  std::string_view source, ScanErrors& errors) {
  h_ = ::OpenProcess(access, FALSE, static_cast<DWORD>(pid));
  if (!h_) return win::DetailOutcomeOf(RecordWin32(errors, pid, "OpenProcess", source, ::GetLastError()));
  FILETIME created, exited, kernel, user;
  if (!::GetProcessTimes(h_, &created, &exited, &kernel, &user))
    return win::DetailOutcomeOf(RecordWin32(errors, pid, "GetProcessTimes", source, ::GetLastError()));
  const std::uint64_t t = (static_cast<std::uint64_t>(created.dwHighDateTime) << 32) | created.dwLowDateTime;
  return t == create_time ? DetailOutcome::kOk : DetailOutcome::kVanished;
}

}  // namespace proctree
