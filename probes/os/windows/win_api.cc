#include "probes/os/windows/win_api.h"

#include <vector>

namespace proctree {

namespace {

template <typename Fn>
bool Resolve(HMODULE module, const char* name, Fn* out, std::string* error) {
  *out = reinterpret_cast<Fn>(reinterpret_cast<void*>(::GetProcAddress(module, name)));
  if (*out) return true;
  *error = std::string("GetProcAddress(") + name + "): " + win::Win32ErrorName(::GetLastError());
  return false;
}

}  // namespace

bool LoadWinApi(WinApi* api, std::string* error) {
  // ntdll and kernel32 are in every process; psapi is loaded once and kept.
  HMODULE ntdll = ::GetModuleHandleW(L"ntdll.dll");
  HMODULE kernel32 = ::GetModuleHandleW(L"kernel32.dll");
  HMODULE psapi = ::LoadLibraryW(L"psapi.dll");
  if (!ntdll || !kernel32 || !psapi) {
    *error = std::string("cannot load ") + (!ntdll ? "ntdll" : !kernel32 ? "kernel32" : "psapi") +
             ".dll: " + win::Win32ErrorName(::GetLastError());
    return false;
  }
  return Resolve(ntdll, "NtQuerySystemInformation", &api->NtQuerySystemInformation, error) &&
         Resolve(psapi, "GetMappedFileNameW", &api->GetMappedFileNameW, error) &&
         Resolve(kernel32, "QueryFullProcessImageNameW", &api->QueryFullProcessImageNameW, error);
}

win::DevicePaths ReadDevicePaths() {
  std::vector<std::pair<std::string, std::string>> table;
  const DWORD drives = ::GetLogicalDrives();
  for (int i = 0; i < 26; ++i) {
    if (!(drives & (1u << i))) continue;
    const wchar_t drive[3] = {static_cast<wchar_t>(L'A' + i), L':', 0};
    wchar_t target[1024];
    // The first of the NUL-separated targets is the current mapping.
    if (::QueryDosDeviceW(drive, target, 1024) == 0) continue;
    table.emplace_back(win::Utf16ToUtf8(reinterpret_cast<const char16_t*>(target)),
                       std::string{static_cast<char>('A' + i), ':'});
  }
  return win::DevicePaths(std::move(table));
}

}  // namespace proctree
