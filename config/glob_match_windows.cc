// fnmatch(3) with no flags, for Windows' CRT, which has none: bytes compared
// as bytes (as glibc's does in the C locale).
#include <cstddef>

#include "config/glob_match.h"

namespace proctree {

namespace {

// A bracket expression at p[i] ('[' already seen at i - 1): whether c is in
// it, and *end just past its ']'; false with *end = 0 when it has no ']'
// (then '[' is an ordinary character).
bool InBracket(const std::string& p, std::size_t i, unsigned char c, std::size_t* end) {
  const bool negate = i < p.size() && (p[i] == '!' || p[i] == '^');
  if (negate) ++i;
  bool in = false;
  for (bool first = true; i < p.size(); first = false) {
    if (p[i] == ']' && !first) {
      *end = i + 1;
      return in != negate;
    }
    unsigned char lo = static_cast<unsigned char>(p[i] == '\\' && i + 1 < p.size() ? p[++i] : p[i]);
    unsigned char hi = lo;
    if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
      i += 2;
      hi = static_cast<unsigned char>(p[i] == '\\' && i + 1 < p.size() ? p[++i] : p[i]);
    }
    if (lo <= c && c <= hi) in = true;
    ++i;
  }
  *end = 0;
  return false;
}

}  // namespace

bool GlobMatches(const std::string& p, const std::string& s) {
  std::size_t pi = 0, si = 0;
  std::size_t star = std::string::npos, star_s = 0;  // the last '*', and where its match ends
  while (si < s.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = ++pi;
      star_s = si;
      continue;
    }
    if (pi < p.size()) {
      std::size_t next = pi + 1;
      bool ok = false;
      if (p[pi] == '?') {
        ok = true;
      } else if (p[pi] == '[') {
        std::size_t end = 0;
        ok = InBracket(p, pi + 1, static_cast<unsigned char>(s[si]), &end);
        if (end) next = end; else ok = s[si] == '[';
      } else if (p[pi] == '\\' && pi + 1 == p.size()) {
        return false;  // a pattern ending in a lone backslash matches nothing (as glibc's)
      } else if (p[pi] == '\\') {
        ok = p[pi + 1] == s[si];
        next = pi + 2;
      } else {
        ok = p[pi] == s[si];
      }
      if (ok) {
        pi = next;
        ++si;
        continue;
      }
    }
    if (star == std::string::npos) return false;
    pi = star;  // let the last '*' take one more character
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace proctree
