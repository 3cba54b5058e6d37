#include "probes/os/windows/process_handle.h"

#include <string>

#include "probes/os/windows/win_text.h"

namespace proctree {

namespace {

std::uint64_t CreateTimeOf(HANDLE h, bool* ok) {
  FILETIME created, exited, kernel, user;
  *ok = ::GetProcessTimes(h, &created, &exited, &kernel, &user) != FALSE;
  return (static_cast<std::uint64_t>(created.dwHighDateTime) << 32) | created.dwLowDateTime;
}

// Whether h is still the process created at create_time and has not exited
// (an exited process stays listed while anyone holds a handle to it).
bool SameLiveProcess(HANDLE h, std::uint64_t create_time) {
  bool ok = false;
  const std::uint64_t t = CreateTimeOf(h, &ok);
  DWORD code = 0;
  return ok && t == create_time && ::GetExitCodeProcess(h, &code) && code == STILL_ACTIVE;
}

// After an access denied: a process that is gone (or exited) is vanished,
// whatever the first call answered. The least access any process grants.
bool Gone(std::int64_t pid, std::uint64_t create_time) {
  HANDLE h = ::OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, static_cast<DWORD>(pid));
  if (!h) return ::GetLastError() == ERROR_INVALID_PARAMETER;
  const bool gone = !SameLiveProcess(h, create_time);
  ::CloseHandle(h);
  return gone;
}

}  // namespace

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
  if (!h_) {
    const ErrorKind kind = RecordWin32(errors, pid, "OpenProcess", source, ::GetLastError());
    if (kind == ErrorKind::kAccessDenied && Gone(pid, create_time)) return DetailOutcome::kVanished;
    return win::DetailOutcomeOf(kind);
  }
  bool ok = false;
  const std::uint64_t t = CreateTimeOf(h_, &ok);
  if (!ok) return win::DetailOutcomeOf(RecordWin32(errors, pid, "GetProcessTimes", source, ::GetLastError()));
  DWORD code = 0;
  if (t != create_time || (::GetExitCodeProcess(h_, &code) && code != STILL_ACTIVE)) return DetailOutcome::kVanished;
  return DetailOutcome::kOk;
}

}  // namespace proctree
