#include "config/redaction.h"

#include <algorithm>
#include <cstdint>
#include <new>

namespace proctree {
namespace {

constexpr std::string_view kRedacted = "<redacted>";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026, 3 bytes

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// A value that looks like the next option rather than an argument.
bool LooksLikeOption(std::string_view s) { return s.size() > 1 && s[0] == '-'; }

// How the word or element after a value-taking flag is treated.
enum class Pending { kNone, kAlways, kUnlessOption };

// The rules, prepared for one call: flags active for this program, lowercased key words.
class Redactor {
 public:
  Redactor(const RedactionRules& rules, std::string_view program) {
    for (const std::string& entry : rules.secret_flags) {
      std::string_view f = entry;
      std::size_t colon = f.find(':');
      if (colon != std::string_view::npos && colon > 0 && f[0] != '-') {
        if (f.substr(0, colon) != program) continue;
        f = f.substr(colon + 1);
      }
      if (f.empty()) continue;
      flags_.push_back(f);
    }
    for (const std::string& w : rules.secret_key_words) {
      if (w.empty()) continue;
      std::string lower(w);
      for (char& c : lower) c = Lower(c);
      key_words_.push_back(std::move(lower));
    }
  }

  // Masks the secret bytes of one argv element; `pending` carries a flag's
  // expectation of a value across elements.
  void MaskElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending) const {
    mask.assign(elem.size(), 0);
    if (pending != Pending::kNone) {
      bool take = pending == Pending::kAlways || !LooksLikeOption(elem);
      pending = Pending::kNone;
      if (take) {
        TakeValue(elem, mask.data(), pending);
        Mask(mask, 0, elem.size());
        return;
      }
    }
    std::size_t i = 0;
    const std::size_t n = elem.size();
    while (i < n) {
      while (i < n && IsSpace(elem[i])) ++i;
      if (i == n) break;
      std::size_t b = i;
      while (i < n && !IsSpace(elem[i])) ++i;
      std::string_view word = elem.substr(b, i - b);
      if (pending != Pending::kNone) {
        bool take = pending == Pending::kAlways || !LooksLikeOption(word);
        pending = Pending::kNone;
        if (take) {
          TakeValue(word, mask.data() + b, pending);
          Mask(mask, b, i);
          i = ExtendQuoted(elem, mask, b, i);
          continue;
        }
      }
      if (MaskWord(word, mask.data() + b, pending)) {
        // A header name: the rest of the element is its value.
        std::size_t v = i;
        while (v < n && IsSpace(elem[v])) ++v;
        Mask(mask, v, n);
        return;
      }
      i = ExtendQuoted(elem, mask, b, i);
    }
  }

 private:
  static void Mask(std::vector<unsigned char>& mask, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) mask[k] = 1;
  }
  static void MaskRange(unsigned char* mask, std::size_t b, std::size_t e) {
    for (std::size_t k = b; k < e; ++k) mask[k] = 1;
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
    if (q != '\'' && q != '"') return e;
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

  // Applies the rules to one whitespace-free word; `mask` points at its first
  // byte. Returns true when the word is a secret header name ("Authorization:").
  bool MaskWord(std::string_view w, unsigned char* mask, Pending& pending) const {
    // Rule 1: exact flags, "--flag" and "--flag=VALUE".
    for (std::string_view f : flags_) {
      if (w == f) {
        pending = Pending::kAlways;
        return false;
      }
      if (w.size() > f.size() && w[f.size()] == '=' && StartsWith(w, f)) {
        MaskRange(mask, f.size() + 1, w.size());
        return false;
      }
    }
    // Rule 2: an option named like a secret, value in the next word.
    if (w.size() >= 2 && w[0] == '-' && w.find('=') == std::string_view::npos) {
      std::string_view name = w.substr(w[1] == '-' ? 2 : 1);
      if (!name.empty() && ContainsKeyWord(name)) {
        pending = Pending::kUnlessOption;
        return false;
      }
    }
    // Rule 3: KEY=VALUE, and embedded pairs after ? & ; , =.
    {
      std::size_t key_start = 0;
      bool from_start = true;
      std::size_t j = 0;
      while (j < w.size()) {
        char c = w[j];
        if (c == '=') {
          if (ContainsKeyWord(w.substr(key_start, j - key_start))) {
            if (from_start) {
              MaskRange(mask, j + 1, w.size());
              return false;  // nothing left to look at
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
    }
    // Rule 4: scheme://user:password@host.
    MaskUrlPasswords(w, mask);
    // Rule 5: "Authorization:" and the like.
    if (w.size() >= 2 && w.back() == ':') {
      std::size_t s = w.rfind('=', w.size() - 1);
      s = (s == std::string_view::npos) ? 0 : s + 1;
      std::string_view name = w.substr(s, w.size() - 1 - s);
      bool header_chars = !name.empty() && name[0] != '-';
      for (char c : name) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_' || c == '.';
        if (!ok) {
          header_chars = false;
          break;
        }
      }
      if (header_chars && ContainsKeyWord(name)) return true;
    }
    // Rule 1, glued short flag: -pVALUE (rules 1-3 returned early for -password=x, -pwd x).
    if (w.size() > 2) {
      for (std::string_view f : flags_) {
        if (f.size() == 2 && f[0] == '-' && f[1] != '-' && StartsWith(w, f)) {
          MaskRange(mask, 2, w.size());
          break;
        }
      }
    }
    return false;
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

  std::vector<std::string_view> flags_;
  std::vector<std::string> key_words_;
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
  r.secret_key_words = {"PASSWORD", "PASSWD", "PWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL", "AUTH"};
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
