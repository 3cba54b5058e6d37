#pragma once
// Label values must be valid UTF-8; process names are whatever bytes a
// process chose (and the kernel cuts comm at 15 bytes, mid-character).
#include <string>
#include <string_view>

namespace proctree {

// Copies `in`, replacing each invalid byte, and each maximal subpart of a
// cut or broken sequence, with one U+FFFD.
std::string SanitizeUtf8(std::string_view in);
bool IsValidUtf8(std::string_view in);

}  // namespace proctree
