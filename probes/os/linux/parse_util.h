#pragma once
// Small helpers shared by the /proc parsers.
#include <charconv>
#include <cstdint>
#include <string_view>

namespace proctree::linux_proc {

inline void SkipSpaces(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  s.remove_prefix(i);
}

// Parses one decimal integer at the front of s (after blanks) and consumes it.
template <typename T>
bool TakeNumber(std::string_view& s, T* out) {
  SkipSpaces(s);
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  if (ec != std::errc() || ptr == s.data()) return false;
  s.remove_prefix(static_cast<std::size_t>(ptr - s.data()));
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

// Cuts the next line (without '\n') off the front of s.
inline std::string_view TakeLine(std::string_view& s) {
  std::size_t nl = s.find('\n');
  std::string_view line = s.substr(0, nl);
  s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
  return line;
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// "key:<blanks>value..." -> value part if line starts with key followed by ':'.
inline bool KeyValue(std::string_view line, std::string_view key, std::string_view* value) {
  if (line.size() <= key.size() || line[key.size()] != ':' || !StartsWith(line, key)) return false;
  *value = line.substr(key.size() + 1);
  return true;
}

}  // namespace proctree::linux_proc
