#pragma once
// What ReadRegularFile (regular_file.cc) needs from the OS beyond open/read/
// fstat: regular_file_posix.cc or regular_file_windows.cc.
#include <string>

namespace proctree {

// A read-only descriptor that cannot block on a FIFO or device, nor leak into
// a child; -1 with errno set.
int OpenForReading(const std::string& path);

// "a directory", "a FIFO", ... for an st_mode that is not a regular file.
const char* FileTypeName(unsigned mode);

}  // namespace proctree
