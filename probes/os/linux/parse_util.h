#pragma once
// Small helpers shared by the /proc parsers.
#include <cstdint>
#include <limits>
#include <type_traits>
#include <string_view>

#include "probes/util/strings.h"

namespace proctree::linux_proc {

inline void SkipSpaces(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  s.remove_prefix(i);
}

// Parses one decimal integer at the front of s (after blanks) and consumes
// it. Hand-rolled rather than std::from_chars: the stat line alone has 20
// numbers per process per scrape, and this loop measured ~3x fewer
// instructions for procfs' plain decimal fields. Overflow is an error.
template <typename T>
bool TakeNumber(std::string_view& s, T* out) {
  static_assert(std::is_integral_v<T>);
  SkipSpaces(s);
  std::size_t i = 0;
  bool negative = false;
  if constexpr (std::is_signed_v<T>) {
    if (i < s.size() && s[i] == '-') {
      negative = true;
      ++i;
    }
  }
  const std::size_t digits_start = i;
  using U = std::make_unsigned_t<T>;
  U v = 0;
  constexpr U kMax = std::numeric_limits<U>::max();
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const U d = static_cast<U>(s[i] - '0');
    if (v > (kMax - d) / 10) return false;
    v = static_cast<U>(v * 10 + d);
    ++i;
  }
  if (i == digits_start) return false;
  if constexpr (std::is_signed_v<T>) {
    constexpr U kPosMax = static_cast<U>(std::numeric_limits<T>::max());
    if (v > kPosMax + (negative ? 1u : 0u)) return false;
    *out = negative ? static_cast<T>(0 - v) : static_cast<T>(v);
  } else {
    *out = v;
  }
  s.remove_prefix(i);
  return true;
}

// Skips one blank-separated token; false if there is none.
inline bool SkipToken(std::string_view& s) {
  SkipSpaces(s);
  std::size_t i = 0;
  while (i < s.size() && s[i] != ' ' && s[i] != '\t' && s[i] != '\n') ++i;
  s.remove_prefix(i);
  return i > 0;
}

// "key:<blanks>value..." -> value part if line starts with key followed by ':'.
inline bool KeyValue(std::string_view line, std::string_view key, std::string_view* value) {
  if (line.size() <= key.size() || line[key.size()] != ':' || !StartsWith(line, key)) return false;
  *value = line.substr(key.size() + 1);
  return true;
}

}  // namespace proctree::linux_proc
