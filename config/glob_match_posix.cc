#include <fnmatch.h>

#include "config/glob_match.h"

namespace proctree {

bool GlobMatches(const std::string& pattern, const std::string& name) {
  return ::fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

}  // namespace proctree
