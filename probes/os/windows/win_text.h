#pragma once
// The pure parts of the Windows module, portable so that Linux unit tests
// run them too: UTF-16 to UTF-8, names for Win32 errors and NTSTATUS codes
// (and what each means at the probe boundary), NT device paths to drive letters.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/probe.h"

namespace proctree {
namespace win {

// UTF-16 (as Windows stores names: possibly with unpaired surrogates) to
// valid UTF-8; each unpaired surrogate becomes U+FFFD.
std::string Utf16ToUtf8(std::u16string_view in);

// "ERROR_ACCESS_DENIED", ... or "ERROR_<number>" for a code not in the table.
std::string Win32ErrorName(std::uint32_t err);
// "STATUS_ACCESS_DENIED", ... or "STATUS_0x<hex>" for a code not in the table.
std::string NtStatusName(std::uint32_t status);

// The probe boundary's one translation (psutil's NoSuchProcess / AccessDenied / OSError).
ErrorKind TranslateWin32Error(std::uint32_t err);
ErrorKind TranslateNtStatus(std::uint32_t status);
DetailOutcome DetailOutcomeOf(ErrorKind kind);

// NT device paths (what GetMappedFileNameW answers: \Device\HarddiskVolume3\x.dll)
// to DOS paths (C:\x.dll), from a table of (device, drive) pairs that
// QueryDosDeviceW fills on Windows and tests inject.
class DevicePaths {
 public:
  DevicePaths() = default;
  explicit DevicePaths(std::vector<std::pair<std::string, std::string>> device_to_drive);
  // The longest device that prefixes `nt_path` (case-insensitively, at a
  // path separator) replaced by its drive; \??\ and \Device\Mup\ handled;
  // any other path unchanged.
  std::string ToDos(std::string_view nt_path) const;

 private:
  std::vector<std::pair<std::string, std::string>> table_;  // longest device first
};

}  // namespace win
}  // namespace proctree
