// Windows (MinGW's CRT): a named pipe or a console opens without blocking, and
// fstat tells them from a regular file; O_BINARY keeps the bytes as they are,
// O_NOINHERIT keeps the descriptor out of children.
#include <fcntl.h>
#include <sys/stat.h>

#include "probes/util/regular_file_os.h"

namespace proctree {

int OpenForReading(const std::string& path) { return ::open(path.c_str(), O_RDONLY | O_BINARY | O_NOINHERIT); }

const char* FileTypeName(unsigned mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a pipe";
  if (S_ISCHR(mode)) return "a character device";
  return "of an unknown type";
}

}  // namespace proctree
