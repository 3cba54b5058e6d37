#pragma once
// Whole-file reads of small regular files (configs, certificates, pid files,
// the exporter's own status); /proc files of other processes are read by the
// OS module with its own budgets.
#include <string>

namespace proctree {

// The file's bytes in *out. False when it cannot be opened or read, with
// errno left as the failure set it.
bool ReadWholeFile(const std::string& path, std::string* out);

}  // namespace proctree
