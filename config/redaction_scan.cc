#include "config/redaction_scan.h"

namespace proctree::redaction {

void Redactor::LowerAll(const std::vector<std::string>& in, std::vector<std::string>& out) {
  for (const std::string& w : in) {
    if (w.empty()) continue;
    std::string lower(w);
    for (char& c : lower) c = Lower(c);
    out.push_back(std::move(lower));
  }
}

void Redactor::MaskRange(unsigned char* mask, std::size_t b, std::size_t e) {
  for (std::size_t k = b; k < e; ++k) mask[k] = 1;
}

void Redactor::Mask(std::vector<unsigned char>& mask, std::size_t b, std::size_t e) { MaskRange(mask.data(), b, e); }

std::size_t Redactor::MaskPairValue(std::string_view elem, std::size_t v, std::size_t e,
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

std::size_t Redactor::MaskHeaderValue(std::string_view elem, std::size_t v, char quote,
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

bool Redactor::IsAuthScheme(std::string_view v) {
  for (std::string_view scheme : {"bearer", "basic", "digest", "negotiate", "token", "bot"}) {
    if (EqualsLower(v, scheme)) return true;
  }
  return false;
}

std::size_t Redactor::ExtendQuoted(std::string_view elem, std::vector<unsigned char>& mask, std::size_t b,
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

std::string_view Redactor::TrailingName(std::string_view w) {
  while (!w.empty() && IsQuote(w.back())) w.remove_suffix(1);
  std::size_t s = w.size();
  while (s > 0 && IsHeaderChar(w[s - 1])) --s;
  return w.substr(s);
}

void Redactor::MaskTokenShapes(std::string_view w, unsigned char* mask) {
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

bool Redactor::IsHttpScheme(std::string_view w, std::size_t colon) {
  std::size_t s = colon;
  while (s > 0 && ((w[s - 1] >= 'a' && w[s - 1] <= 'z') || (w[s - 1] >= 'A' && w[s - 1] <= 'Z'))) --s;
  std::string scheme(w.substr(s, colon - s));
  for (char& c : scheme) c = static_cast<char>(c | 0x20);
  return scheme == "http" || scheme == "https";
}

void Redactor::MaskUrlPasswords(std::string_view w, unsigned char* mask) {
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

}  // namespace proctree::redaction
