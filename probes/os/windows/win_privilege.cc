#include "probes/os/windows/win_privilege.h"

#include <windows.h>

#include "probes/os/windows/win_text.h"

namespace proctree {

namespace {

DebugPrivilege Failed(const char* api, DWORD err) {
  DebugPrivilege p;
  p.failed_api = api;
  p.error = win::Win32ErrorName(err);
  return p;
}

DebugPrivilege Enable() {
  HANDLE token = nullptr;
  if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_ADJUST_PRIVILEGES | TOKEN_QUERY, &token))
    return Failed("OpenProcessToken", ::GetLastError());
  TOKEN_PRIVILEGES tp{};
  tp.PrivilegeCount = 1;
  tp.Privileges[0].Attributes = SE_PRIVILEGE_ENABLED;
  if (!::LookupPrivilegeValueW(nullptr, L"SeDebugPrivilege", &tp.Privileges[0].Luid)) {
    const DWORD err = ::GetLastError();
    ::CloseHandle(token);
    return Failed("LookupPrivilegeValueW", err);
  }
  // Success is not enough: a token without the privilege "succeeds" with
  // ERROR_NOT_ALL_ASSIGNED and nothing enabled.
  const BOOL ok = ::AdjustTokenPrivileges(token, FALSE, &tp, sizeof tp, nullptr, nullptr);
  const DWORD err = ::GetLastError();
  ::CloseHandle(token);
  if (!ok || err != ERROR_SUCCESS) return Failed("AdjustTokenPrivileges", err);
  DebugPrivilege p;
  p.enabled = true;
  return p;
}

}  // namespace

const DebugPrivilege& EnableDebugPrivilege() {
  static const DebugPrivilege kOnce = Enable();
  return kOnce;
}

}  // namespace proctree
