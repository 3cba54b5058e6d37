#pragma once
// SeDebugPrivilege: held by administrators but disabled in their token until
// enabled; with it OpenProcess succeeds for other users' processes. Enabled
// once per process; the outcome is reported, never assumed.
#include <cstdint>
#include <string>

namespace proctree {

struct DebugPrivilege {
  bool enabled = false;
  std::string failed_api;  // empty when enabled
  std::string error;       // Win32 error name of the failure (ERROR_NOT_ALL_ASSIGNED: not held)
};

// The first call adjusts the token; later calls return the same answer.
const DebugPrivilege& EnableDebugPrivilege();

}  // namespace proctree
