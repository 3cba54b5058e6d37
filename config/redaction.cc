#include "config/redaction.h"

#include <algorithm>
#include <cstdint>
#include <new>

#include "config/redaction_scan.h"

namespace proctree {
namespace {

using namespace redaction;

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
