#include "probes/util/utf8.h"

#include <cstdint>

namespace proctree {

namespace {
// Bounds for the byte after a lead byte (RFC 3629: no overlongs, no
// surrogates, nothing above U+10FFFF); the bytes after that are 80..BF.
// Returns the sequence length for a valid lead byte, 0 otherwise.
std::size_t LeadLength(unsigned char c, unsigned char* lo, unsigned char* hi) {
  *lo = 0x80;
  *hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c == 0xE0) { *lo = 0xA0; return 3; }
  if (c >= 0xE1 && c <= 0xEC) return 3;
  if (c == 0xED) { *hi = 0x9F; return 3; }
  if (c >= 0xEE && c <= 0xEF) return 3;
  if (c == 0xF0) { *lo = 0x90; return 4; }
  if (c >= 0xF1 && c <= 0xF3) return 4;
  if (c == 0xF4) { *hi = 0x8F; return 4; }
  return 0;
}

// At s[i]: the length of a valid sequence (*valid = true), or of the maximal
// subpart of one that is cut short or broken (*valid = false), which becomes
// a single U+FFFD, as the Unicode standard recommends.
std::size_t Sequence(std::string_view s, std::size_t i, bool* valid) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  if (b(i) < 0x80) {
    *valid = true;
    return 1;
  }
  unsigned char lo, hi;
  const std::size_t n = LeadLength(b(i), &lo, &hi);
  if (n == 0) {
    *valid = false;
    return 1;
  }
  std::size_t k = 1;
  while (k < n && i + k < s.size()) {
    const unsigned char c = b(i + k);
    if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) break;
    ++k;
  }
  *valid = k == n;
  return k;
}
}  // namespace

bool IsValidUtf8(std::string_view in) {
  for (std::size_t i = 0; i < in.size();) {
    bool valid = false;
    i += Sequence(in, i, &valid);
    if (!valid) return false;
  }
  return true;
}

std::string SanitizeUtf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size();) {
    bool valid = false;
    const std::size_t n = Sequence(in, i, &valid);
    if (valid) out.append(in.data() + i, n);
    else out += "\xEF\xBF\xBD";
    i += n;
  }
  return out;
}

}  // namespace proctree
