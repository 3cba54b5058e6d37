#pragma once
// One process opened for the few reads the process list lacks, only if the
// pid still names the process the list showed (pids are reused at once on
// Windows); every failure counted as (API, source, Win32 error name).
#include <windows.h>

#include <cstdint>
#include <string_view>

#include "probes/probe.h"

namespace proctree {

// Counts a failed Win32 call; returns what it means for the process.
ErrorKind RecordWin32(ScanErrors& errors, std::int64_t pid, std::string_view api, std::string_view source,
                      DWORD err);

class ProcessHandle {
 public:
  ProcessHandle() = default;
  ProcessHandle(const ProcessHandle&) = delete;
  ProcessHandle& operator=(const ProcessHandle&) = delete;
  ~ProcessHandle();

  // kOk with the handle open; kVanished also when the pid now holds a
  // process created at another time than `create_time` (FILETIME).
  DetailOutcome Open(std::int64_t pid, std::uint64_t create_time, DWORD access, std::string_view source,
                     ScanErrors& errors);
  HANDLE get() const { return h_; }

 private:
  HANDLE h_ = nullptr;
};

}  // namespace proctree
