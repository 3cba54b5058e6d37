#include "config/redaction.h"

#include <algorithm>
#include <cstdint>
#include <new>
#include "probes/util/strings.h"

namespace proctree {
namespace {

constexpr std::string_view kRedacted = "<redacted>";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, 3 bytes

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A value that looks like the next option rather than an argument.
bool LooksLikeOption(std::string_view s) { return s.size() > 1 && s[0] == '-'; }

bool IsQuote(char c) { return c == '\'' || c == '"'; }

bool IsHeaderChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

bool IsAlnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsBase64Url(char c) { return IsAlnum(c) || c == '-' || c == '_'; }

bool EqualsLower(std::string_view s, std::string_view lower) {
  if (s.size() != lower.size()) return false;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (Lower(s[k]) != lower[k]) return false;
  }
  return true;
}

bool EndsWithLower(std::string_view s, std::string_view lower) {
  return s.size() >= lower.size() && EqualsLower(s.substr(s.size() - lower.size()), lower);
}

// A name that says where a secret is, not what it is (`--password-file /etc/x`,
// `POSTGRES_PASSWORD_FILE=/run/secrets/db`, `--passphrase-fd 0`): its value shows.
bool NamesAPlace(std::string_view name) {
  for (std::string_view suffix : {"file", "path", "dir", "fd"}) {
    if (EndsWithLower(name, suffix)) return true;
  }
  return false;
}

// End of a JWT (three base64url segments, the first a JSON header "eyJ...")
// starting at j, or 0.
std::size_t JwtEnd(std::string_view w, std::size_t j) {
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
std::size_t AwsKeyIdEnd(std::string_view w, std::size_t j) {
  if (j > 0 && IsAlnum(w[j - 1])) return 0;
  if (w.compare(j, 4, "AKIA") != 0 && w.compare(j, 4, "ASIA") != 0) return 0;
  std::size_t k = j + 4;
  while (k < w.size() && k < j + 20 && ((w[k] >= 'A' && w[k] <= 'Z') || (w[k] >= '0' && w[k] <= '9'))) ++k;
  if (k != j + 20 || (k < w.size() && IsAlnum(w[k]))) return 0;
  return k;
}

// Shell words that end one command and start the next (`a && b`, `a; b`).
bool EndsCommand(std::string_view w) {
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
  Redactor(const RedactionRules& rules, std::string_view program) : program_(program) {
    for (const std::string& entry : rules.secret_flags) {
      std::string_view f = entry;
      std::string_view prog;
      std::size_t colon = f.find(':');
      if (colon != std::string_view::npos && colon > 0 && f[0] != '-') {
        prog = f.substr(0, colon);
        f = f.substr(colon + 1);
      }
      if (f.empty()) continue;
      flags_.push_back({prog, f});
    }
    LowerAll(rules.secret_key_words, key_words_);
    LowerAll(rules.secret_names, names_);
  }

  // Masks the secret bytes of one argv element; `pending` carries a flag's
  // expectation of a value across elements.
  void MaskElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending) {
    mask.assign(elem.size(), 0);
    if (pending == Pending::kInlineValue) pending = Pending::kNone;  // "KEY= x" only inside one argument
    if (TakeElement(elem, mask, pending)) return;
    std::size_t i = 0;
    const std::size_t n = elem.size();
    while (i < n) {
      while (i < n && IsSpace(elem[i])) ++i;
      if (i == n) break;
      std::size_t b = i;
      while (i < n && !IsSpace(elem[i])) ++i;
      i = MaskWordIn(elem, b, i, mask, pending);
    }
  }

 private:
  struct Flag {
    std::string_view program;  // empty: every program
    std::string_view flag;
  };

  static void LowerAll(const std::vector<std::string>& in, std::vector<std::string>& out) {
    for (const std::string& w : in) {
      if (w.empty()) continue;
      std::string lower(w);
      for (char& c : lower) c = Lower(c);
      out.push_back(std::move(lower));
    }
  }

  static void MaskRange(unsigned char* mask, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) mask[k] = 1;
  }
  static void Mask(std::vector<unsigned char>& mask, std::size_t b, std::size_t e) { MaskRange(mask.data(), b, e); }

  bool Applies(const Flag& f) const {
    return f.program.empty() || f.program == program_ || f.program == active_;
  }

  // A pending value that is a whole argv element is hidden whole (it may hold
  // blanks); its first bytes decide whether it is a value at all.
  bool TakeElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending) const {
    bool separator_first = !elem.empty() && (elem[0] == '=' || elem[0] == ':');
    bool whole = pending == Pending::kAlways || pending == Pending::kUnlessOption ||
                 pending == Pending::kSeparated || (pending == Pending::kNameSeenValue && !separator_first);
    if (!whole) return false;
    bool take = pending == Pending::kAlways || !LooksLikeOption(elem);
    pending = Pending::kNone;
    if (!take) return false;
    TakeValue(elem, mask.data(), pending);
    Mask(mask, 0, elem.size());
    return true;
  }

  // The word [b, e) of elem, given what the words before it expect. Returns
  // where word scanning resumes.
  std::size_t MaskWordIn(std::string_view elem, std::size_t b, std::size_t e, std::vector<unsigned char>& mask,
                         Pending& pending) {
    std::string_view word = elem.substr(b, e - b);
    const Pending p = pending;
    pending = Pending::kNone;
    switch (p) {
      case Pending::kAlways:
      case Pending::kUnlessOption:
        if (p == Pending::kAlways || !LooksLikeOption(word)) {
          TakeValue(word, mask.data() + b, pending);
          Mask(mask, b, e);
          return ExtendQuoted(elem, mask, b, e);
        }
        break;
      case Pending::kNameSeen:
      case Pending::kNameSeenValue:
        if (word == "=" || word == ":") {
          pending = Pending::kSeparated;
          return e;
        }
        if (word.size() > 1 && (word[0] == '=' || word[0] == ':')) return MaskPairValue(elem, b + 1, e, mask);
        if (p == Pending::kNameSeenValue && !LooksLikeOption(word)) return MaskPairValue(elem, b, e, mask);
        break;
      case Pending::kSeparated:
      case Pending::kInlineValue:
        if (!LooksLikeOption(word)) return MaskPairValue(elem, b, e, mask);
        break;
      case Pending::kNone:
        break;
    }
    NoteCommandWord(word);
    HeaderValue header = MaskWord(word, mask.data() + b, pending);
    if (header.found) return MaskHeaderValue(elem, b + header.begin, header.quote, mask, pending);
    return ExtendQuoted(elem, mask, b, e);
  }

  // Program-specific flags (curl:-u) also apply after the program's name in a
  // later word (`sudo redis-cli -a x`, `sh -c "curl -u u:p url"`), up to the end of that command.
  void NoteCommandWord(std::string_view w) {
    if (EndsCommand(w)) {
      active_ = {};
      return;
    }
    while (!w.empty() && (IsQuote(w[0]) || w[0] == '(')) w.remove_prefix(1);
    std::size_t slash = w.rfind('/');
    if (slash != std::string_view::npos) w.remove_prefix(slash + 1);
    for (const Flag& f : flags_) {
      if (!f.program.empty() && f.program == w) {
        active_ = f.program;
        return;
      }
    }
  }

  // A value after a name and a separator (`Password = x;Database=y`) runs to
  // the end of its word, or to a ';' (a connection string's next pair, scanned
  // on from there); a quoted one to its closing quote.
  static std::size_t MaskPairValue(std::string_view elem, std::size_t v, std::size_t e,
                                   std::vector<unsigned char>& mask) {
    if (!IsQuote(elem[v])) {
      std::size_t semi = elem.substr(0, e).find(';', v + 1);
      if (semi != std::string_view::npos) {
        Mask(mask, v, semi);
        return semi;
      }
    }
    Mask(mask, v, e);
    return ExtendQuoted(elem, mask, v, e);
  }

  // A header's value, from v: to the end of the element, or when the name was
  // quoted (`-H 'Authorization: Bearer x'` in a script) to the closing quote
  // and the rest of that shell word. A value that is missing or only a scheme
  // ("Bearer") is in the next argument.
  static std::size_t MaskHeaderValue(std::string_view elem, std::size_t v, char quote,
                                     std::vector<unsigned char>& mask, Pending& pending) {
    const std::size_t n = elem.size();
    while (v < n && IsSpace(elem[v])) ++v;
    std::size_t end = quote ? elem.find(quote, v) : n;
    if (end == std::string_view::npos) end = n;
    std::string_view value = elem.substr(v, end - v);
    while (!value.empty() && IsSpace(value.back())) value.remove_suffix(1);
    if (value.empty() || IsAuthScheme(value)) pending = Pending::kAlways;
    while (end < n && !IsSpace(elem[end])) ++end;
    Mask(mask, v, end);
    return end;
  }

  static bool IsAuthScheme(std::string_view v) {
    for (std::string_view scheme : {"bearer", "basic", "digest", "negotiate", "token", "bot"}) {
      if (EqualsLower(v, scheme)) return true;
    }
    return false;
  }

  // The word [b, e) of elem was processed. If its last byte is masked and that
  // masked value opens a quote the word doesn't close (`--password='a b c'` in
  // an `sh -c` script), the value runs on to the closing quote and the rest of
  // that shell word. Returns where word scanning resumes.
  static std::size_t ExtendQuoted(std::string_view elem, std::vector<unsigned char>& mask, std::size_t b,
                                  std::size_t e) {
    if (e == b || !mask[e - 1]) return e;
    std::size_t s = e - 1;
    while (s > b && mask[s - 1]) --s;
    char q = elem[s];
    if (!IsQuote(q)) return e;
    if (elem.substr(s + 1, e - s - 1).find(q) != std::string_view::npos) return e;
    std::size_t stop = elem.find(q, e);
    if (stop == std::string_view::npos) {
      stop = elem.size();
    } else {
      while (stop < elem.size() && !IsSpace(elem[stop])) ++stop;
    }
    Mask(mask, e, stop);
    return stop;
  }

  // A value is hidden whole; if it is itself a secret flag (`-p -p x`,
  // `--password --token x`), what follows is hidden as well.
  void TakeValue(std::string_view value, unsigned char* mask, Pending& pending) const {
    for (char c : value) {
      if (IsSpace(c)) return;
    }
    if (LooksLikeOption(value)) MaskWord(value, mask, pending);
  }

  bool ContainsKeyWord(std::string_view s) const {
    for (const std::string& kw : key_words_) {
      if (kw.size() > s.size()) continue;
      for (std::size_t p = 0; p + kw.size() <= s.size(); ++p) {
        std::size_t k = 0;
        while (k < kw.size() && Lower(s[p + k]) == kw[k]) ++k;
        if (k == kw.size()) return true;
      }
    }
    return false;
  }

  // A key word inside a name that is not the name of a place (rules 2, 3).
  bool IsSecretKey(std::string_view name) const { return ContainsKeyWord(name) && !NamesAPlace(name); }

  // A name that ENDS in a key word (plural too), or is an Authorization
  // header: stricter than ContainsKeyWord, for names followed by ':' or a
  // blank, where `keycloak:8080` or `grep token file` are common.
  bool IsSecretName(std::string_view name) const {
    for (const std::string& kw : key_words_) {
      if (EndsWithLower(name, kw)) return true;
      if (!name.empty() && Lower(name.back()) == 's' && EndsWithLower(name.substr(0, name.size() - 1), kw))
        return true;
    }
    return EndsWithLower(name, "authorization") && ContainsKeyWord(name);
  }

  // The name at the end of a word, e.g. "Password" in "Id=sa;Password" or in "{\"password\"".
  static std::string_view TrailingName(std::string_view w) {
    while (!w.empty() && IsQuote(w.back())) w.remove_suffix(1);
    std::size_t s = w.size();
    while (s > 0 && IsHeaderChar(w[s - 1])) --s;
    return w.substr(s);
  }

  bool IsSecretNameWord(std::string_view name) const {
    for (const std::string& n : names_) {
      if (EqualsLower(name, n)) return true;
    }
    return false;
  }

  // Rule 7: secrets recognised by their shape wherever they are.
  static void MaskTokenShapes(std::string_view w, unsigned char* mask) {
    std::size_t j = 0;
    while (j < w.size()) {
      std::size_t end = 0;
      if (j == 0 || !IsBase64Url(w[j - 1])) end = JwtEnd(w, j);
      if (end == 0) end = AwsKeyIdEnd(w, j);
      if (end != 0) {
        MaskRange(mask, j, end);
        j = end;
      } else {
        ++j;
      }
    }
  }

  // Rule 6: "name":value pairs (JSON, Python dicts) whose name is secret. A
  // quoted value is hidden with its quotes, another one up to , } or ].
  void MaskQuotedPairs(std::string_view w, unsigned char* mask, Pending& pending) const {
    constexpr std::size_t kNone = std::string_view::npos;
    std::size_t last_q = kNone, prev_q = kNone;
    for (std::size_t j = 0; j < w.size(); ++j) {
      if (IsQuote(w[j])) {
        prev_q = last_q;
        last_q = j;
        continue;
      }
      if (w[j] != ':' || last_q == kNone || last_q + 1 != j || prev_q == kNone || w[prev_q] != w[last_q]) continue;
      if (!IsSecretName(w.substr(prev_q + 1, last_q - prev_q - 1))) continue;
      if (j + 1 == w.size()) {
        pending = Pending::kSeparated;  // `{"password": "x"}`: the value is the next word
        return;
      }
      std::size_t k = j + 1;
      if (IsQuote(w[k])) {
        char q = w[k++];
        while (k < w.size() && w[k] != q) k += (w[k] == '\\') ? 2 : 1;
        k = std::min(k + 1, w.size());
      } else {
        while (k < w.size() && w[k] != ',' && w[k] != '}' && w[k] != ']') ++k;
      }
      MaskRange(mask, j + 1, k);
      j = k - 1;
      last_q = prev_q = kNone;
    }
  }

  // Rules 5 and 6: "Authorization:" (a word ending in ':', name containing a
  // key word) and "X-Auth-Token:VALUE" (name ending in one), after an optional
  // "--header=" and an opening quote.
  HeaderValue FindHeader(std::string_view w) const {
    const bool ends = w.size() >= 2 && w.back() == ':';
    std::size_t colon = ends ? w.size() - 1 : w.find(':');
    if (colon == std::string_view::npos || colon == 0) return {};
    std::size_t s = w.rfind('=', colon);
    s = (s == std::string_view::npos) ? 0 : s + 1;
    char quote = 0;
    if (s < colon && IsQuote(w[s])) quote = w[s++];
    std::string_view name = w.substr(s, colon - s);
    if (name.empty() || name[0] == '-') return {};
    for (char c : name) {
      if (!IsHeaderChar(c)) return {};
    }
    if (!(ends ? ContainsKeyWord(name) : IsSecretName(name))) return {};
    return {true, colon + 1, quote};
  }

  // Applies the rules to one whitespace-free word; `mask` points at its first byte.
  HeaderValue MaskWord(std::string_view w, unsigned char* mask, Pending& pending) const {
    MaskTokenShapes(w, mask);
    // Rule 1: exact flags, "--flag" and "--flag=VALUE".
    for (const Flag& fl : flags_) {
      std::string_view f = fl.flag;
      if (!Applies(fl)) continue;
      if (w == f) {
        pending = Pending::kAlways;
        return {};
      }
      if (w.size() > f.size() && w[f.size()] == '=' && StartsWith(w, f)) {
        MaskRange(mask, f.size() + 1, w.size());
        return {};
      }
    }
    // Rule 2: an option named like a secret, value in the next word.
    if (w.size() >= 2 && w[0] == '-' && w.find('=') == std::string_view::npos) {
      std::string_view name = w.substr(w[1] == '-' ? 2 : 1);
      if (!name.empty() && IsSecretKey(name)) {
        pending = Pending::kUnlessOption;
        return {};
      }
    }
    if (MaskKeyValuePairs(w, mask, pending)) return {};
    // Rule 4: scheme://user:password@host.
    MaskUrlPasswords(w, mask);
    MaskQuotedPairs(w, mask, pending);
    HeaderValue header = FindHeader(w);
    if (header.found) return header;
    MaskGluedShortFlag(w, mask);
    // Rule 6: a secret name followed by a separate "=" or ":" (`Password = x;`).
    if (pending == Pending::kNone) {
      std::string_view name = TrailingName(w);
      if (IsSecretNameWord(name)) {
        pending = Pending::kNameSeenValue;
      } else if (IsSecretName(name)) {
        pending = Pending::kNameSeen;
      }
    }
    return {};
  }

  // Rule 3: KEY=VALUE, and embedded pairs after ? & ; , =. Returns true when
  // the whole rest of the word was hidden.
  bool MaskKeyValuePairs(std::string_view w, unsigned char* mask, Pending& pending) const {
    std::size_t key_start = 0;
    bool from_start = true;
    std::size_t j = 0;
    while (j < w.size()) {
      char c = w[j];
      if (c == '=') {
        if (IsSecretKey(w.substr(key_start, j - key_start))) {
          if (j + 1 == w.size()) pending = Pending::kInlineValue;  // `Password= x` in a script
          if (from_start) {
            MaskRange(mask, j + 1, w.size());
            return true;  // nothing left to look at
          }
          std::size_t k = j + 1;
          while (k < w.size() && w[k] != '&' && w[k] != ';' && w[k] != ',') ++k;
          MaskRange(mask, j + 1, k);
          j = k;  // the delimiter (if any) is handled by the next iteration
          continue;
        }
        key_start = j + 1;
        from_start = false;
      } else if (c == '?' || c == '&' || c == ';' || c == ',') {
        key_start = j + 1;
        from_start = false;
      }
      ++j;
    }
    return false;
  }

  // Rule 1, glued short flag: -pVALUE (rules 1-3 returned early for -password=x, -pwd x).
  void MaskGluedShortFlag(std::string_view w, unsigned char* mask) const {
    if (w.size() <= 2) return;
    for (const Flag& fl : flags_) {
      std::string_view f = fl.flag;
      if (f.size() == 2 && f[0] == '-' && f[1] != '-' && StartsWith(w, f) && Applies(fl)) {
        MaskRange(mask, 2, w.size());
        return;
      }
    }
  }

  // The scheme ending at `colon` ("...http://") is http or https, any case.
  static bool IsHttpScheme(std::string_view w, std::size_t colon) {
    std::size_t s = colon;
    while (s > 0 && ((w[s - 1] >= 'a' && w[s - 1] <= 'z') || (w[s - 1] >= 'A' && w[s - 1] <= 'Z'))) --s;
    std::string scheme(w.substr(s, colon - s));
    for (char& c : scheme) c = static_cast<char>(c | 0x20);
    return scheme == "http" || scheme == "https";
  }

  static void MaskUrlPasswords(std::string_view w, unsigned char* mask) {
    // Positions of "://", each URL's search bounded by the next one.
    std::size_t p = w.find("://");
    while (p != std::string_view::npos) {
      std::size_t next = w.find("://", p + 3);
      std::size_t limit = next == std::string_view::npos ? w.size() : next;
      std::size_t j = p + 3;
      while (j < limit && w[j] != ':' && w[j] != '/' && w[j] != '@' && w[j] != '?' && w[j] != '#') ++j;
      if (j < limit && w[j] == '@' && j > p + 3 && IsHttpScheme(w, p)) {
        // https://TOKEN@host: git and CI tools put access tokens in the user
        // part of http(s) URLs; ssh://git@host keeps its login name.
        MaskRange(mask, p + 3, j);
      } else if (j < limit && w[j] == ':') {
        std::size_t pass = j + 1;
        std::size_t at = std::string_view::npos;
        for (std::size_t k = pass; k < limit; ++k) {
          if (w[k] == '@') at = k;
        }
        if (at != std::string_view::npos && at > pass) {
          // host:port/path@... is not userinfo.
          std::size_t d = pass;
          while (d < at && w[d] >= '0' && w[d] <= '9') ++d;
          bool port = d > pass && d < at && (w[d] == '/' || w[d] == '?' || w[d] == '#');
          if (!port) MaskRange(mask, pass, at);
        }
      }
      p = next;
    }
  }

  std::vector<Flag> flags_;
  std::vector<std::string> key_words_;
  std::vector<std::string> names_;
  std::string_view program_;  // basename of argv[0]'s first word
  std::string_view active_;   // a program named by a later word, until its command ends
};

// Basename of the first word of argv[0].
std::string_view ProgramName(std::string_view raw) {
  std::size_t end = 0;
  while (end < raw.size() && raw[end] != '\0' && !IsSpace(raw[end])) ++end;
  std::string_view first = raw.substr(0, end);
  std::size_t slash = first.rfind('/');
  return slash == std::string_view::npos ? first : first.substr(slash + 1);
}

// Cuts `s` to at most max_bytes bytes, never inside a UTF-8 sequence, ending
// in "…" when cut. more: `s` is known to go on (a cut read), so it ends in "…"
// even when it fits.
void Truncate(std::string& s, std::size_t max_bytes, bool more = false) {
  if (s.size() <= max_bytes && !more) return;
  bool ellipsis = max_bytes >= kEllipsis.size();
  std::size_t cut = std::min(s.size(), ellipsis ? max_bytes - kEllipsis.size() : max_bytes);
  // If a lead byte within the last 3 kept bytes starts a sequence reaching past
  // the cut, cut before it. Stray continuation bytes are not a sequence to keep whole.
  for (std::size_t k = 1; k <= 3 && k <= cut; ++k) {
    auto b = static_cast<std::uint8_t>(s[cut - k]);
    if ((b & 0xC0) == 0x80) continue;  // continuation: look further back
    std::size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
    if (len > k) cut -= k;
    break;
  }
  s.resize(cut);
  if (ellipsis) s.append(kEllipsis);
}

}  // namespace

RedactionRules RedactionRules::Defaults() {
  RedactionRules r;
  r.secret_flags = {
      "--password", "--passwd", "--pass", "--pwd", "--token", "--secret", "--api-key", "--apikey",
      "--access-token", "--auth-token", "--client-secret", "--credentials",
      // Go flag / openssl style single-dash long options.
      "-password", "-passwd", "-pass", "-passin", "-passout", "-token", "-secret",
      // mysql -pVALUE; sshpass, mongodump, rabbitmqadmin -p VALUE (see the header).
      "-p",
      // Letters too common to redact everywhere.
      "redis-cli:-a", "curl:-u", "curl:--user", "ldapsearch:-w", "ldapmodify:-w", "ldapadd:-w",
      "ldapdelete:-w", "ldappasswd:-w", "ldapwhoami:-w", "mosquitto_sub:-P", "mosquitto_pub:-P",
      "sqlcmd:-P"};
  r.secret_key_words = {"PASSWORD", "PASSWD", "PWD", "PASSPHRASE", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"};
  r.secret_names = {"aws_secret_access_key", "aws_session_token"};
  return r;
}

std::string RedactCmdline(std::string_view raw, const RedactionRules& rules, std::size_t max_bytes,
                          bool read_cut) noexcept {
  try {
    if (read_cut) {
      // The last word may be cut short: drop it (see the header). A blank
      // before it stays, as part of its argument: whether an argument is a
      // flag's value depends on its length (LooksLikeOption), and "-" alone
      // would pass for a value where "- more" does not.
      std::size_t end = raw.size();
      while (end > 0 && raw[end - 1] != '\0' && !IsSpace(raw[end - 1])) --end;
      raw = raw.substr(0, end > 0 && raw[end - 1] == '\0' ? end - 1 : end);
    }
    while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
    std::string out;
    if (max_bytes == 0 || (raw.empty() && !read_cut)) return out;
    Redactor redactor(rules, ProgramName(raw));
    out.reserve(std::min(raw.size(), max_bytes) + 16);
    std::vector<unsigned char> mask;
    Pending pending = Pending::kNone;
    std::size_t pos = 0;
    bool first = true;
    // Output already past the budget can only be cut, so later elements are skipped.
    while (pos <= raw.size() && out.size() <= max_bytes) {
      std::size_t end = raw.find('\0', pos);
      if (end == std::string_view::npos) end = raw.size();
      std::string_view elem = raw.substr(pos, end - pos);
      redactor.MaskElement(elem, mask, pending);
      if (!first) out.push_back(' ');
      first = false;
      std::size_t i = 0;
      while (i < elem.size()) {
        if (mask[i]) {
          out.append(kRedacted);
          while (i < elem.size() && mask[i]) ++i;
        } else {
          std::size_t b = i;
          while (i < elem.size() && !mask[i]) ++i;
          out.append(elem.substr(b, i - b));
        }
      }
      pos = end + 1;
    }
    // A cut read goes on past its last shown word, as if more arguments followed.
    if (read_cut) {
      while (!out.empty() && IsSpace(out.back())) out.pop_back();
      if (!out.empty()) out.push_back(' ');
    }
    Truncate(out, max_bytes, read_cut);
    return out;
  } catch (...) {  // std::bad_alloc only
    return std::string();
  }
}

}  // namespace proctree
