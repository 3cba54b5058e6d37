#pragma once
// The scanner behind RedactCmdline (redaction.h has the rules it follows):
// word shapes (redaction_scan.cc) and the rules applied word by word
// (redaction_rules.cc). Internal to config/.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "config/redaction.h"

namespace proctree::redaction {

inline constexpr std::string_view kRedacted = "<redacted>";
inline constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, 3 bytes

inline bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

inline char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A value that looks like the next option rather than an argument.
inline bool LooksLikeOption(std::string_view s) { return s.size() > 1 && s[0] == '-'; }

inline bool IsQuote(char c) { return c == '\'' || c == '"'; }

inline bool IsHeaderChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

inline bool IsAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
inline bool IsBase64Url(char c) { return IsAlnum(c) || c == '-' || c == '_'; }

inline bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (Lower(s[k]) != lower[k]) return false;
  }
  return true;
}

inline bool EndsWithLower(std::string_view s, std::string_view lower) {
  return s.size() >= lower.size() && EqualsLower(s.substr(s.size() - lower.size()), lower);
}

// A name that says where a secret is, not what it is (`--password-file /etc/x`,
// `POSTGRES_PASSWORD_FILE=/run/secrets/db`, `--passphrase-fd 0`): its value shows.
inline bool NamesAPlace(std::string_view name) {
  for (std::string_view suffix : {"file", "path", "dir", "fd"}) {
    if (EndsWithLower(name, suffix)) return true;
  }
  return false;
}

// End of a JWT (three base64url segments, the first a JSON header "eyJ...")
// starting at j, or 0.
inline std::size_t JwtEnd(std::string_view w, std::size_t j) {
  if (w.compare(j, 3, "eyJ") != 0) return 0;
  std::size_t k = j;
  for (int seg = 0; seg < 3; ++seg) {
    std::size_t b = k;
    while (k < w.size() && IsBase64Url(w[k])) ++k;
    if ((seg == 0 && k - b < 10) || (seg == 1 && k - b < 2)) return 0;
    if (seg < 2) {
      if (k == w.size() || w[k] != '.') return 0;
      ++k;
    }
  }
  return k;
}

// End of an AWS access key id (AKIA or ASIA and 16 of [A-Z0-9]) starting at j, or 0.
inline std::size_t AwsKeyIdEnd(std::string_view w, std::size_t j) {
  if (j > 0 && IsAlnum(w[j - 1])) return 0;
  if (w.compare(j, 4, "AKIA") != 0 && w.compare(j, 4, "ASIA") != 0) return 0;
  std::size_t k = j + 4;
  while (k < w.size() && k < j + 20 && ((w[k] >= 'A' && w[k] <= 'Z') || (w[k] >= '0' && w[k] <= '9'))) ++k;
  if (k != j + 20 || (k < w.size() && IsAlnum(w[k]))) return 0;
  return k;
}

// Shell words that end one command and start the next (`a && b`, `a; b`).
inline bool EndsCommand(std::string_view w) {
  return w == "&&" || w == "||" || w == "|" || w == "&" || (!w.empty() && w.back() == ';');
}

// How the word or element after the current one is treated.
enum class Pending {
  kNone,
  kAlways,         // a secret flag's value, whatever it looks like
  kUnlessOption,   // a secret-named option's value, unless it is the next option
  kNameSeen,       // after a secret name: "= value", ": value", "=value" hide the value
  kNameSeenValue,  // after a secret_names word: as kNameSeen, or the next word is the value
  kSeparated,      // after "name =": the value, unless an option; within a word up to ';'
  kInlineValue,    // after "KEY=" with nothing after '=': as kSeparated, within the element
};

// Where a header-style value starts in a word: "Authorization:" (value in the
// following words) or "X-Auth-Token:VALUE"; quote is the quote opened before the name.
struct HeaderValue {
  bool found = false;
  std::size_t begin = 0;
  char quote = 0;
};

// The rules, prepared for one call: flags, lowercased key words, the program the current words belong to.
class Redactor {
 public:
  Redactor(const RedactionRules& rules, std::string_view program);
  // Masks the secret bytes of one argv element; `pending` carries a flag's
  // expectation of a value across elements.
  void MaskElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending);

 private:
  struct Flag {
    std::string_view program;  // empty: every program
    std::string_view flag;
  };
  static void LowerAll(const std::vector<std::string>& in, std::vector<std::string>& out);
  static void MaskRange(unsigned char* mask, std::size_t b, std::size_t e);
  static void Mask(std::vector<unsigned char>& mask, std::size_t b, std::size_t e);
  bool Applies(const Flag& f) const;
  // A pending value that is a whole argv element is hidden whole (it may hold
  // blanks); its first bytes decide whether it is a value at all.
  bool TakeElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending) const;
  // The word [b, e) of elem, given what the words before it expect. Returns
  // where word scanning resumes.
  std::size_t MaskWordIn(std::string_view elem, std::size_t b, std::size_t e, std::vector<unsigned char>& mask,
                         Pending& pending);
  // Program-specific flags (curl:-u) also apply after the program's name in a
  // later word (`sudo redis-cli -a x`, `sh -c "curl -u u:p url"`), up to the end of that command.
  void NoteCommandWord(std::string_view w);
  // A value after a name and a separator (`Password = x;Database=y`) runs to
  // the end of its word, or to a ';' (a connection string's next pair, scanned
  // on from there); a quoted one to its closing quote.
  static std::size_t MaskPairValue(std::string_view elem, std::size_t v, std::size_t e,
                                   std::vector<unsigned char>& mask);
  // A header's value, from v: to the end of the element, or when the name was
  // quoted (`-H 'Authorization: Bearer x'` in a script) to the closing quote
  // and the rest of that shell word. A value that is missing or only a scheme
  // ("Bearer") is in the next argument.
  static std::size_t MaskHeaderValue(std::string_view elem, std::size_t v, char quote,
                                     std::vector<unsigned char>& mask, Pending& pending);
  static bool IsAuthScheme(std::string_view v);
  // The word [b, e) of elem was processed. If its last byte is masked and that
  // masked value opens a quote the word doesn't close (`--password='a b c'` in
  // an `sh -c` script), the value runs on to the closing quote and the rest of
  // that shell word. Returns where word scanning resumes.
  static std::size_t ExtendQuoted(std::string_view elem, std::vector<unsigned char>& mask, std::size_t b,
                                  std::size_t e);
  // A value is hidden whole; if it is itself a secret flag (`-p -p x`,
  // `--password --token x`), what follows is hidden as well.
  void TakeValue(std::string_view value, unsigned char* mask, Pending& pending) const;
  bool ContainsKeyWord(std::string_view s) const;
  // A key word inside a name that is not the name of a place (rules 2, 3).
  bool IsSecretKey(std::string_view name) const;
  // A name that ENDS in a key word (plural too), or is an Authorization
  // header: stricter than ContainsKeyWord, for names followed by ':' or a
  // blank, where `keycloak:8080` or `grep token file` are common.
  bool IsSecretName(std::string_view name) const;
  // The name at the end of a word, e.g. "Password" in "Id=sa;Password" or in "{\"password\"".
  static std::string_view TrailingName(std::string_view w);
  bool IsSecretNameWord(std::string_view name) const;
  // Rule 7: secrets recognised by their shape wherever they are.
  static void MaskTokenShapes(std::string_view w, unsigned char* mask);
  // Rule 6: "name":value pairs (JSON, Python dicts) whose name is secret. A
  // quoted value is hidden with its quotes, another one up to , } or ].
  void MaskQuotedPairs(std::string_view w, unsigned char* mask, Pending& pending) const;
  // Rules 5 and 6: "Authorization:" (a word ending in ':', name containing a
  // key word) and "X-Auth-Token:VALUE" (name ending in one), after an optional
  // "--header=" and an opening quote.
  HeaderValue FindHeader(std::string_view w) const;
  // Applies the rules to one whitespace-free word; `mask` points at its first byte.
  HeaderValue MaskWord(std::string_view w, unsigned char* mask, Pending& pending) const;
  // Rule 3: KEY=VALUE, and embedded pairs after ? & ; , =. Returns true when
  // the whole rest of the word was hidden.
  bool MaskKeyValuePairs(std::string_view w, unsigned char* mask, Pending& pending) const;
  // Rule 1, glued short flag: -pVALUE (rules 1-3 returned early for -password=x, -pwd x).
  void MaskGluedShortFlag(std::string_view w, unsigned char* mask) const;
  // The scheme ending at `colon` ("...http://") is http or https, any case.
  static bool IsHttpScheme(std::string_view w, std::size_t colon);
  static void MaskUrlPasswords(std::string_view w, unsigned char* mask);

  std::vector<Flag> flags_;
  std::vector<std::string> key_words_;
  std::vector<std::string> names_;
  std::string_view program_;  // basename of argv[0]'s first word
  std::string_view active_;   // a program named by a later word, until its command ends
};

}  // namespace proctree::redaction
