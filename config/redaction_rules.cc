#include "config/redaction_scan.h"

#include "probes/util/strings.h"

namespace proctree::redaction {

Redactor::Redactor(const RedactionRules& rules, std::string_view program) : program_(program) {
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

void Redactor::MaskElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending) {
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

bool Redactor::Applies(const Flag& f) const {
  return f.program.empty() || f.program == program_ || f.program == active_;
}

bool Redactor::TakeElement(std::string_view elem, std::vector<unsigned char>& mask, Pending& pending) const {
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

std::size_t Redactor::MaskWordIn(std::string_view elem, std::size_t b, std::size_t e, std::vector<unsigned char>& mask,
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

void Redactor::NoteCommandWord(std::string_view w) {
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

void Redactor::TakeValue(std::string_view value, unsigned char* mask, Pending& pending) const {
  for (char c : value) {
    if (IsSpace(c)) return;
  }
  if (LooksLikeOption(value)) MaskWord(value, mask, pending);
}

bool Redactor::ContainsKeyWord(std::string_view s) const {
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

bool Redactor::IsSecretKey(std::string_view name) const { return ContainsKeyWord(name) && !NamesAPlace(name); }

bool Redactor::IsSecretName(std::string_view name) const {
  for (const std::string& kw : key_words_) {
    if (EndsWithLower(name, kw)) return true;
    if (!name.empty() && Lower(name.back()) == 's' && EndsWithLower(name.substr(0, name.size() - 1), kw))
      return true;
  }
  return EndsWithLower(name, "authorization") && ContainsKeyWord(name);
}

bool Redactor::IsSecretNameWord(std::string_view name) const {
  for (const std::string& n : names_) {
    if (EqualsLower(name, n)) return true;
  }
  return false;
}

void Redactor::MaskQuotedPairs(std::string_view w, unsigned char* mask, Pending& pending) const {
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

HeaderValue Redactor::FindHeader(std::string_view w) const {
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

HeaderValue Redactor::MaskWord(std::string_view w, unsigned char* mask, Pending& pending) const {
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

bool Redactor::MaskKeyValuePairs(std::string_view w, unsigned char* mask, Pending& pending) const {
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

void Redactor::MaskGluedShortFlag(std::string_view w, unsigned char* mask) const {
  if (w.size() <= 2) return;
  for (const Flag& fl : flags_) {
    std::string_view f = fl.flag;
    if (f.size() == 2 && f[0] == '-' && f[1] != '-' && StartsWith(w, f) && Applies(fl)) {
      MaskRange(mask, 2, w.size());
      return;
    }
  }
}

}  // namespace proctree::redaction
