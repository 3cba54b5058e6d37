#pragma once
// Reading a file the operator names (the config, the web config, the PEM files
// it names, a selector's pid_file) so that no file can hang or exhaust the
// exporter: a FIFO at the path would block open() and read() forever,
// /dev/zero never ends, a directory reads as an empty file, and a huge file
// costs its size (and more, once parsed) in memory.
#include <cstddef>
#include <string>

namespace proctree {

// Caps, in bytes, documented in the README's "Configuration" section.
inline constexpr std::size_t kMaxConfigFileBytes = 1 << 20;     // --config.file, --web.config.file
inline constexpr std::size_t kMaxPemFileBytes = 1 << 20;        // cert_file, key_file, client_ca_file
inline constexpr std::size_t kMaxPidFileBytes = 4096;           // a selector's pid_file

enum class RegularFileRead {
  kOk,
  kCannotOpen,  // open() failed: *reason is strerror(errno), errno kept
  kRejected,    // not a regular file, too large or unreadable: *reason says which
};

// Reads the whole of the regular file at `path` into *out when it holds at
// most max_bytes. Opens with O_NONBLOCK so a FIFO or device cannot block, and
// checks fstat's file type before reading a byte. *reason never names the
// path ("is a directory, not a regular file"); callers prefix it.
RegularFileRead ReadRegularFile(const std::string& path, std::size_t max_bytes, std::string* out,
                                std::string* reason);

}  // namespace proctree
