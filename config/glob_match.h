#pragma once
// Shell glob matching (fnmatch(3) with no flags: *, ?, [...], [!...], \\ escapes;
// '/' and a leading '.' are ordinary characters): glob_match_posix.cc asks
// libc, glob_match_windows.cc, where there is no fnmatch, does the same itself.
#include <string>

namespace proctree {

bool GlobMatches(const std::string& pattern, const std::string& name);

}  // namespace proctree
