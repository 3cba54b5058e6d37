#pragma once
// String helpers every layer uses: prefixes, lines, hex digits, %-escapes.
// Inline where the /proc parsers call them per process per scrape.
#include <string>
#include <string_view>

namespace proctree {

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Removes the prefix (suffix) when s has it; false when it has not.
inline bool ConsumePrefix(std::string_view& s, std::string_view prefix) {
  if (!StartsWith(s, prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}
inline bool ConsumeSuffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

// Cuts the next line (without '\n') off the front of s.
inline std::string_view TakeLine(std::string_view& s) {
  const std::size_t nl = s.find('\n');
  const std::string_view line = s.substr(0, nl);
  s.remove_prefix(nl == std::string_view::npos ? s.size() : nl + 1);
  return line;
}

// 0-15 for a hex digit of either case, -1 otherwise.
inline int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX escapes (and, with plus_is_space, '+' as a space, as query
// strings have it). False on a malformed escape.
bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space);

}  // namespace proctree
