#include "probes/util/file_read.h"

#include <cerrno>
#include <fstream>
#include <sstream>

namespace proctree {

bool ReadWholeFile(const std::string& path, std::string* out) {
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return false;
  *out = ss.str();
  return true;
}

}  // namespace proctree
