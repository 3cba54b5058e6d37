// config/glob_match_windows.cc (the Windows build has no fnmatch) against
// glibc's fnmatch(3), which the Linux build uses: the same answer for every
// pattern and name here. Compiled in under another name, so it sits beside
// the POSIX GlobMatches the rest of this binary links.
#include <fnmatch.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#define GlobMatches WindowsGlobMatches
#include "config/glob_match_windows.cc"
#undef GlobMatches

namespace proctree {
namespace {

TEST(WindowsGlobMatches, AgreesWithFnmatch) {
  const std::vector<std::string> patterns = {
      "", "*", "?", "nginx", "nginx*", "*nginx", "*ng*x*", "ng?nx", "n*x", "**", "*?*", "a*b*c",
      "[abc]*", "[!abc]*", "[^abc]*", "[a-c]x", "[]]x", "[!]]x", "[a-]x", "[", "[a", "a[", "\\*",
      "\\?x", "a\\", "x[\\]]y", "*.exe", "*/bin/*", ".*", "*[0-9]", "[[:digit:]]"};
  const std::vector<std::string> names = {
      "", "nginx", "nginx: worker", "ngnx", "nginnx", "abc", "abbc", "acb", "ax", "bx", "dx", "]x",
      "-x", "[", "[a", "a[", "*", "?x", "a\\", "x]y", "svc.exe", "/usr/bin/x", ".hidden", "x7", "7",
      "\xc3\xa9t\xc3\xa9", "a*b*c", "aXbYc"};
  for (const auto& p : patterns) {
    for (const auto& n : names) {
      if (p == "[[:digit:]]") continue;  // character classes: fnmatch only (not used by configs)
      EXPECT_EQ(WindowsGlobMatches(p, n), ::fnmatch(p.c_str(), n.c_str(), 0) == 0)
          << "pattern \"" << p << "\" name \"" << n << "\"";
    }
  }
}

}  // namespace
}  // namespace proctree
