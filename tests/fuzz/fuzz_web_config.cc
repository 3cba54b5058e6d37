// libFuzzer target: the web config loader (--web.config.file, exporter-toolkit
// format). A rejected file must be named in its error; an accepted one must
// have been valid UTF-8 and hold only what the server can use (the checks
// below mirror what the loader promises), and written back out as YAML it
// must load again to the same config: nothing the loader keeps depends on how
// the file spelled it.
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "probes/util/utf8.h"
#include "exporter/http/web_config.h"

namespace {

using proctree::ClientAuth;
using proctree::WebConfig;

void Check(bool ok) {
  if (!ok) __builtin_trap();
}

bool AllowedHeader(const std::string& name) {
  for (const char* a : {"Content-Security-Policy", "Strict-Transport-Security", "X-Content-Type-Options",
                        "X-Frame-Options", "X-XSS-Protection"})
    if (name == a) return true;
  return false;
}

void CheckInvariants(const WebConfig& c) {
  for (std::size_t i = 0; i < c.headers.size(); ++i) {
    const auto& [name, value] = c.headers[i];
    Check(AllowedHeader(name));
    Check(!value.empty());
    for (unsigned char ch : value) Check(ch >= 0x20 ? ch != 0x7f : ch == '\t');
    if (name == "X-Content-Type-Options") Check(value == "nosniff");
    if (name == "X-Frame-Options") Check(value == "deny" || value == "sameorigin");
    for (std::size_t j = 0; j < i; ++j) Check(c.headers[j].first != name);
  }
  for (const auto& [user, hash] : c.users) {
    Check(user.find(':') == std::string::npos);
    Check(proctree::IsBcryptHash(hash));
  }
  Check(std::isfinite(c.rate_limit_interval_seconds) && c.rate_limit_interval_seconds >= 0);
  Check(c.rate_limit_burst >= 0);
  const auto& t = c.tls;
  // Relative paths were joined with the (absolute) directory given.
  for (const std::string* f : {&t.cert_file, &t.key_file, &t.client_ca_file})
    Check((f->empty() || (*f)[0] == '/') && f->find('\0') == std::string::npos);
  Check(t.min_version >= proctree::kTls10 && t.max_version <= proctree::kTls13);
  if (t.Enabled()) {
    Check(!t.cert_file.empty() || !t.cert.empty());
    Check(!t.key_file.empty() || !t.key.empty());
    Check(t.min_version <= t.max_version);
    if (!t.client_ca_file.empty() || !t.client_ca.empty()) Check(t.client_auth != ClientAuth::kNoClientCert);
    if (!t.client_allowed_sans.empty())
      Check(t.client_auth == ClientAuth::kRequireAnyClientCert ||
            t.client_auth == ClientAuth::kRequireAndVerifyClientCert);
  }
}

const char* AuthName(ClientAuth a) {
  switch (a) {
    case ClientAuth::kNoClientCert: return "NoClientCert";
    case ClientAuth::kRequestClientCert: return "RequestClientCert";
    case ClientAuth::kRequireAnyClientCert: return "RequireAnyClientCert";
    case ClientAuth::kVerifyClientCertIfGiven: return "VerifyClientCertIfGiven";
    case ClientAuth::kRequireAndVerifyClientCert: return "RequireAndVerifyClientCert";
  }
  return "?";
}

const char* VersionName(int v) {
  switch (v) {
    case proctree::kTls10: return "TLS10";
    case proctree::kTls11: return "TLS11";
    case proctree::kTls12: return "TLS12";
    default: return "TLS13";
  }
}

// The config's curves back in the file's (Go's) names.
std::string CurveName(const std::string& openssl) {
  if (openssl == "P-256") return "CurveP256";
  if (openssl == "P-384") return "CurveP384";
  if (openssl == "P-521") return "CurveP521";
  return openssl;  // X25519
}

// Seconds as a Go duration that reads back to the same double: the shortest
// round-trip decimal, in fixed notation (Go durations have no exponent).
std::string Duration(double seconds) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, seconds, std::chars_format::fixed);
  Check(r.ec == std::errc());
  return std::string(buf, r.ptr) + "s";
}

// A YAML double-quoted scalar for any valid UTF-8 string: printable ASCII as
// it is, every other code point as \UXXXXXXXX (yaml-cpp's emitter rewrites
// some, U+10FFFF into U+FFFD).
std::string Q(const std::string& s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    const std::size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    std::uint32_t cp = n == 1 ? c : c & (0xff >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) cp = cp << 6 | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    char buf[16];
    std::snprintf(buf, sizeof buf, "\\U%08X", static_cast<unsigned>(cp));
    out += buf;
    i += n;
  }
  return out + "\"";
}

// The config as a web config file. Cipher suites are left out: the config
// keeps OpenSSL's names, and which Go name each came from is the loader's table.
std::string Emit(const WebConfig& c) {
  const auto& t = c.tls;
  std::string y = "tls_server_config:\n";
  auto str = [&](const char* key, const std::string& v) {
    if (!v.empty()) y += std::string("  ") + key + ": " + Q(v) + "\n";
  };
  str("cert_file", t.cert_file);
  str("key_file", t.key_file);
  str("client_ca_file", t.client_ca_file);
  str("cert", t.cert);
  str("key", t.key);
  str("client_ca", t.client_ca);
  y += std::string("  client_auth_type: ") + AuthName(t.client_auth) + "\n";
  y += std::string("  min_version: ") + VersionName(t.min_version) + "\n";
  y += std::string("  max_version: ") + VersionName(t.max_version) + "\n";
  y += std::string("  prefer_server_cipher_suites: ") + (t.prefer_server_cipher_suites ? "true" : "false") + "\n";
  if (!t.curve_groups.empty()) {
    y += "  curve_preferences:\n";
    for (const auto& g : t.curve_groups) y += "    - " + CurveName(g) + "\n";
  }
  if (!t.client_allowed_sans.empty()) {
    y += "  client_allowed_sans:\n";
    for (const auto& san : t.client_allowed_sans) y += "    - " + Q(san) + "\n";
  }
  y += std::string("http_server_config:\n  http2: ") + (c.http2 ? "true" : "false") + "\n";
  if (!c.headers.empty()) {
    y += "  headers:\n";
    for (const auto& [name, value] : c.headers) y += "    " + name + ": " + Q(value) + "\n";
  }
  if (!c.users.empty()) {
    y += "basic_auth_users:\n";
    // Explicit keys: an implicit one may be at most 1024 characters long.
    for (const auto& [user, hash] : c.users) y += "  ? " + Q(user) + "\n  : " + Q(hash) + "\n";
  }
  y += "rate_limit:\n  interval: " + Duration(c.rate_limit_interval_seconds) + "\n";
  y += "  burst: " + std::to_string(c.rate_limit_burst) + "\n";
  return y;
}

bool AllUtf8(const WebConfig& c) {
  const auto& t = c.tls;
  for (const std::string* s : {&t.cert_file, &t.key_file, &t.client_ca_file, &t.cert, &t.key, &t.client_ca})
    if (!proctree::IsValidUtf8(*s)) return false;
  for (const auto& s : t.client_allowed_sans)
    if (!proctree::IsValidUtf8(s)) return false;
  for (const auto& [name, value] : c.headers)
    if (!proctree::IsValidUtf8(value)) return false;
  for (const auto& [user, hash] : c.users)
    if (!proctree::IsValidUtf8(user)) return false;
  return true;
}

bool SameExceptCiphers(const WebConfig& a, const WebConfig& b) {
  const auto &x = a.tls, &y = b.tls;
  return x.cert_file == y.cert_file && x.key_file == y.key_file && x.client_ca_file == y.client_ca_file &&
         x.cert == y.cert && x.key == y.key && x.client_ca == y.client_ca && x.client_auth == y.client_auth &&
         x.curve_groups == y.curve_groups && x.min_version == y.min_version && x.max_version == y.max_version &&
         x.prefer_server_cipher_suites == y.prefer_server_cipher_suites &&
         x.client_allowed_sans == y.client_allowed_sans && a.http2 == b.http2 && a.headers == b.headers &&
         a.users == b.users && a.rate_limit_interval_seconds == b.rate_limit_interval_seconds &&
         a.rate_limit_burst == b.rate_limit_burst;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  WebConfig config;
  std::string error;
  if (!proctree::ParseWebConfig(yaml, "web.yml", "/etc/proctree", &config, &error)) {
    Check(error.rfind("web.yml:", 0) == 0 && error.size() > 9);  // "file:line:col: reason"
    return 0;
  }
  Check(proctree::IsValidUtf8(yaml));
  CheckInvariants(config);
  // yaml-cpp decodes the escapes \N and \_ to the single bytes 0x85 and 0xa0
  // (not U+0085, U+00A0): such a string has no UTF-8 spelling to write back.
  if (!AllUtf8(config)) return 0;
  const std::string again = Emit(config);
  WebConfig reloaded;
  if (!proctree::ParseWebConfig(again, "again.yml", "/elsewhere", &reloaded, &error)) {
    __builtin_trap();  // a config the loader produced must load again
  }
  Check(SameExceptCiphers(config, reloaded));
  Check(reloaded.tls.cipher_suites.empty());
  return 0;
}
