#pragma once
// Every ntdll/psapi/kernel32 entry point the module calls through a pointer,
// resolved once when the probe opens (psutil resolved some per call), and
// the figures fixed for the life of the probe (drive letters, own pid).
#include <windows.h>

#include <cstdint>
#include <string>

#include "probes/os/windows/win_text.h"

namespace proctree {

using NtQuerySystemInformationFn = LONG(WINAPI*)(ULONG, PVOID, ULONG, PULONG);
using GetMappedFileNameWFn = DWORD(WINAPI*)(HANDLE, LPVOID, LPWSTR, DWORD);
using QueryFullProcessImageNameWFn = BOOL(WINAPI*)(HANDLE, DWORD, LPWSTR, PDWORD);

struct WinApi {
  NtQuerySystemInformationFn NtQuerySystemInformation = nullptr;
  GetMappedFileNameWFn GetMappedFileNameW = nullptr;
  QueryFullProcessImageNameWFn QueryFullProcessImageNameW = nullptr;
  win::DevicePaths devices;
};

// Resolves every pointer; false with *error naming the first one missing.
bool LoadWinApi(WinApi* api, std::string* error);

// \Device\HarddiskVolumeN -> C: for every drive letter QueryDosDeviceW knows.
win::DevicePaths ReadDevicePaths();

}  // namespace proctree
