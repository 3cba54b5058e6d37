#include "exporter/http/web_config.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "probes/util/regular_file.h"
#include "config/yaml/yaml_schema.h"
#include "probes/util/utf8.h"

namespace proctree {

namespace {

using namespace yaml_schema;

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// YAML null ("key:" with nothing) reads as the zero value, as in Go's yaml.
bool Present(const YAML::Node& n) { return n && !n.IsNull(); }

// A file name as the loader keeps it: a NUL would cut it short when opened.
std::string FileName(const YAML::Node& n, const std::string& where) {
  const std::string s = String(n, where);
  if (s.find('\0') != std::string::npos) Fail(n, where + " holds a NUL byte");
  return s;
}

// The first byte that does not start a valid UTF-8 sequence, or npos.
std::size_t FirstInvalidUtf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::size_t n = 1;
    while (n <= 4 && !IsValidUtf8(s.substr(i, n))) ++n;
    if (n > 4) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string JoinDir(const std::string& dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || dir.empty()) return path;
  return dir.back() == '/' ? dir + path : dir + "/" + path;
}

int TlsVersion(const YAML::Node& n, const std::string& where) {
  const std::string s = String(n, where);
  if (s == "TLS13") return kTls13;
  if (s == "TLS12") return kTls12;
  if (s == "TLS11") return kTls11;
  if (s == "TLS10") return kTls10;
  Fail(n, "unknown TLS version: " + s + " (" + where + " must be one of TLS10, TLS11, TLS12, TLS13)");
}

ClientAuth ParseClientAuth(const YAML::Node& n) {
  const std::string s = String(n, "tls_server_config.client_auth_type");
  if (s.empty() || s == "NoClientCert") return ClientAuth::kNoClientCert;
  if (s == "RequestClientCert") return ClientAuth::kRequestClientCert;
  if (s == "RequireAnyClientCert" || s == "RequireClientCert") return ClientAuth::kRequireAnyClientCert;
  if (s == "VerifyClientCertIfGiven") return ClientAuth::kVerifyClientCertIfGiven;
  if (s == "RequireAndVerifyClientCert") return ClientAuth::kRequireAndVerifyClientCert;
  Fail(n, "invalid ClientAuth: " + s +
              " (tls_server_config.client_auth_type must be one of NoClientCert, RequestClientCert, "
              "RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert)");
}

// The suites Go's tls.CipherSuites() names (and, for files written against
// Go before 1.22, its RSA key exchange ones), with their OpenSSL names. An
// empty OpenSSL name marks a TLS 1.3 suite: accepted, not configurable.
struct CipherName {
  const char* go;
  const char* openssl;
};
constexpr CipherName kCiphers[] = {
    {"TLS_AES_128_GCM_SHA256", ""},
    {"TLS_AES_256_GCM_SHA384", ""},
    {"TLS_CHACHA20_POLY1305_SHA256", ""},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", "AES256-GCM-SHA384"},
};

struct CurveName {
  const char* go;
  const char* openssl;
};
constexpr CurveName kCurves[] = {
    {"CurveP256", "P-256"}, {"CurveP384", "P-384"}, {"CurveP521", "P-521"}, {"X25519", "X25519"}};

const std::vector<std::string> kAllowedHeaders = {"Content-Security-Policy", "Strict-Transport-Security",
                                                  "X-Content-Type-Options", "X-Frame-Options",
                                                  "X-XSS-Protection"};

void ParseTls(const YAML::Node& n, const std::string& dir, TlsServerConfig* t) {
  OnlyKeys(n, "tls_server_config",
           {"cert", "key", "client_ca", "cert_file", "key_file", "client_auth_type", "client_ca_file",
            "client_allowed_sans", "min_version", "max_version", "cipher_suites", "prefer_server_cipher_suites",
            "curve_preferences"});
  if (n.IsNull()) return;
  const std::string w = "tls_server_config.";
  if (Present(n["cert"])) t->cert = String(n["cert"], w + "cert");
  if (Present(n["key"])) t->key = String(n["key"], w + "key");
  if (Present(n["client_ca"])) t->client_ca = String(n["client_ca"], w + "client_ca");
  if (Present(n["cert_file"])) t->cert_file = JoinDir(dir, FileName(n["cert_file"], w + "cert_file"));
  if (Present(n["key_file"])) t->key_file = JoinDir(dir, FileName(n["key_file"], w + "key_file"));
  if (Present(n["client_ca_file"]))
    t->client_ca_file = JoinDir(dir, FileName(n["client_ca_file"], w + "client_ca_file"));
  if (Present(n["client_auth_type"])) t->client_auth = ParseClientAuth(n["client_auth_type"]);
  if (Present(n["min_version"])) t->min_version = TlsVersion(n["min_version"], w + "min_version");
  if (Present(n["max_version"])) t->max_version = TlsVersion(n["max_version"], w + "max_version");
  if (Present(n["prefer_server_cipher_suites"]))
    t->prefer_server_cipher_suites = Bool(n["prefer_server_cipher_suites"], w + "prefer_server_cipher_suites");
  if (Present(n["cipher_suites"])) {
    if (!n["cipher_suites"].IsSequence()) Fail(n["cipher_suites"], w + "cipher_suites must be a list of strings");
    for (const auto& item : n["cipher_suites"]) {
      const std::string s = String(item, w + "cipher_suites entries");
      const CipherName* found = nullptr;
      for (const auto& c : kCiphers)
        if (s == c.go) found = &c;
      if (!found) Fail(item, "unknown cipher: " + s);
      if (*found->openssl) t->cipher_suites.push_back(found->openssl);
    }
  }
  if (Present(n["curve_preferences"])) {
    if (!n["curve_preferences"].IsSequence())
      Fail(n["curve_preferences"], w + "curve_preferences must be a list of strings");
    for (const auto& item : n["curve_preferences"]) {
      const std::string s = String(item, w + "curve_preferences entries");
      const CurveName* found = nullptr;
      for (const auto& c : kCurves)
        if (s == c.go) found = &c;
      if (!found) Fail(item, "unknown curve: " + s + " (one of CurveP256, CurveP384, CurveP521, X25519)");
      t->curve_groups.push_back(found->openssl);
    }
  }
  if (Present(n["client_allowed_sans"]))
    t->client_allowed_sans = StringList(n["client_allowed_sans"], w + "client_allowed_sans");

  // exporter-toolkit's ConfigToTLSConfig checks, in its order and words.
  if (!t->Enabled()) return;
  if (t->cert_file.empty() && t->cert.empty()) Fail(n, "missing one of cert or cert_file in tls_server_config");
  if (t->key_file.empty() && t->key.empty()) Fail(n, "missing one of key or key_file in tls_server_config");
  if (t->min_version > t->max_version)
    Fail(n["min_version"], "tls_server_config.min_version is above tls_server_config.max_version");
  if ((!t->client_ca_file.empty() || !t->client_ca.empty()) && t->client_auth == ClientAuth::kNoClientCert)
    Fail(n, "client CA's have been configured without a Client Auth Policy");
  if (n["client_allowed_sans"] && t->client_auth != ClientAuth::kRequireAnyClientCert &&
      t->client_auth != ClientAuth::kRequireAndVerifyClientCert)
    Fail(n["client_allowed_sans"],
         "client_allowed_sans requires client_auth_type to be one of RequireAnyClientCert or "
         "RequireAndVerifyClientCert");
}

void ParseHttp(const YAML::Node& n, WebConfig* c) {
  OnlyKeys(n, "http_server_config", {"http2", "headers"});
  if (n.IsNull()) return;
  if (Present(n["http2"])) c->http2 = Bool(n["http2"], "http_server_config.http2");
  const YAML::Node h = n["headers"];
  if (!Present(h)) return;
  if (!h.IsMap()) Fail(h, "http_server_config.headers must be a mapping of header names to values");
  std::set<std::string> seen;
  for (const auto& kv : h) {
    const std::string name = kv.first.Scalar();
    bool allowed = false;
    for (const auto& a : kAllowedHeaders) allowed = allowed || a == name;
    if (!allowed) Fail(kv.first, "HTTP header \"" + name + "\" can not be configured (allowed: " + Join(kAllowedHeaders) + ")");
    if (!seen.insert(name).second) Fail(kv.first, "HTTP header \"" + name + "\" appears twice");
    const std::string value = kv.second.IsNull() ? "" : String(kv.second, "http_server_config.headers." + name);
    if (value.find_first_of("\r\n") != std::string::npos)
      Fail(kv.second, "http_server_config.headers." + name + " must be one line");
    // RFC 9110 field values: no control characters but tab. A NUL also cut
    // the response's header block short where it was printed.
    for (unsigned char ch : value)
      if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
        Fail(kv.second, "http_server_config.headers." + name + " must not hold control characters");
    if (name == "X-Content-Type-Options" && value != "nosniff")
      Fail(kv.second, "invalid value for X-Content-Type-Options. Expected one of: [\"nosniff\"], but got: \"" +
                          value + "\"");
    if (name == "X-Frame-Options" && value != "deny" && value != "sameorigin")
      Fail(kv.second, "invalid value for X-Frame-Options. Expected one of: [\"deny\" \"sameorigin\"], but got: \"" +
                          value + "\"");
    // "Unset if blank."
    if (!value.empty()) c->headers.emplace_back(name, value);
  }
}

void ParseUsers(const YAML::Node& n, WebConfig* c) {
  if (n.IsNull()) return;
  if (!n.IsMap()) Fail(n, "basic_auth_users must be a mapping of user names to bcrypt hashes");
  for (const auto& kv : n) {
    const std::string user = kv.first.Scalar();
    if (user.find(':') != std::string::npos)
      Fail(kv.first, "basic_auth_users: user name \"" + user + "\" contains ':', which basic auth cannot carry");
    if (c->users.count(user)) Fail(kv.first, "basic_auth_users: user \"" + user + "\" appears twice");
    const std::string hash = kv.second.IsScalar() ? kv.second.Scalar() : "";
    if (!IsBcryptHash(hash))
      Fail(kv.second.IsNull() ? kv.first : kv.second, "basic_auth_users: the password of user \"" + user +
                          "\" is not a bcrypt hash ($2a$, $2b$ or $2y$, cost 04-31, 60 characters)");
    c->users[user] = hash;
  }
}

void ParseRateLimit(const YAML::Node& n, WebConfig* c) {
  OnlyKeys(n, "rate_limit", {"interval", "burst"});
  if (n.IsNull()) return;
  if (Present(n["interval"])) {
    double s = 0;
    if (!n["interval"].IsScalar() || !ParseGoDuration(n["interval"].Scalar(), &s) || s < 0)
      Fail(n["interval"], "rate_limit.interval must be a duration such as 100ms or 1s");
    c->rate_limit_interval_seconds = s;
  }
  if (Present(n["burst"])) {
    int b = -1;
    if (!n["burst"].IsScalar() || !YAML::convert<int>::decode(n["burst"], b) || b < 0)
      Fail(n["burst"], "rate_limit.burst must be a whole number, 0 or more");
    c->rate_limit_burst = b;
  }
}

}  // namespace

bool TlsServerConfig::Enabled() const {
  return !cert_file.empty() || !cert.empty() || !key_file.empty() || !key.empty() || !client_ca_file.empty() ||
         !client_ca.empty() || client_auth != ClientAuth::kNoClientCert;
}

bool IsBcryptHash(std::string_view h) {
  if (h.size() != 60 || h[0] != '$' || h[1] != '2' || h[3] != '$' || h[6] != '$') return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return false;
  const int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char ch : h.substr(7)) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '/';
    if (!ok) return false;
  }
  return true;
}

bool ParseGoDuration(std::string_view s, double* seconds) {
  if (s == "0") {
    *seconds = 0;
    return true;
  }
  if (s.empty()) return false;
  double total = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t start = i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == start) return false;
    double v = 0;
    try {
      std::size_t used = 0;
      v = std::stod(std::string(s.substr(start, i - start)), &used);
      if (used != i - start) return false;
    } catch (...) {
      return false;
    }
    std::size_t ustart = i;
    while (i < s.size() && !((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    const std::string_view unit = s.substr(ustart, i - ustart);
    double mul = 0;
    if (unit == "ns") mul = 1e-9;
    else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") mul = 1e-6;
    else if (unit == "ms") mul = 1e-3;
    else if (unit == "s") mul = 1;
    else if (unit == "m") mul = 60;
    else if (unit == "h") mul = 3600;
    else return false;
    total += v * mul;
  }
  if (!std::isfinite(total)) return false;
  *seconds = total;
  return true;
}

bool ParseWebConfig(std::string_view yaml, std::string_view source, const std::string& dir, WebConfig* out,
                    std::string* error) {
  WebConfig c;
  // YAML is UTF-8 here, and Go's yaml (exporter-toolkit) refuses anything else.
  if (const std::size_t bad = FirstInvalidUtf8(yaml); bad != std::string_view::npos) {
    const std::size_t line_start = yaml.rfind('\n', bad == 0 ? 0 : bad - 1);
    const std::size_t line = static_cast<std::size_t>(std::count(yaml.begin(), yaml.begin() + bad, '\n')) + 1;
    const std::size_t col = line_start == std::string_view::npos || line == 1 ? bad + 1 : bad - line_start;
    std::ostringstream os;
    os << source << ':' << line << ':' << col << ": invalid UTF-8 (byte 0x" << std::hex
       << static_cast<unsigned>(static_cast<unsigned char>(yaml[bad])) << ")";
    *error = os.str();
    return false;
  }
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    LimitExpansion(root, {kMaxWebConfigNodes, kMaxConfigFileBytes}, "the web config");
    if (root.IsDefined() && !root.IsNull()) {
      OnlyKeys(root, "the web config", {"tls_server_config", "http_server_config", "basic_auth_users", "rate_limit"});
      if (root["tls_server_config"]) ParseTls(root["tls_server_config"], dir, &c.tls);
      if (root["http_server_config"]) ParseHttp(root["http_server_config"], &c);
      if (root["basic_auth_users"]) ParseUsers(root["basic_auth_users"], &c);
      if (root["rate_limit"]) ParseRateLimit(root["rate_limit"], &c);
    }
  } catch (const yaml_schema::Invalid& e) {
    *error = yaml_schema::Position(source, e.mark) + e.reason;
    return false;
  } catch (const YAML::Exception& e) {
    *error = yaml_schema::Position(source, e.mark) + e.msg;
    return false;
  }
  *out = std::move(c);
  return true;
}

bool LoadWebConfigFile(const std::string& path, WebConfig* out, std::string* error) {
  std::string text, reason;
  switch (ReadRegularFile(path, kMaxConfigFileBytes, &text, &reason)) {
    case RegularFileRead::kOk: break;
    case RegularFileRead::kCannotOpen: *error = path + ": cannot open web config file: " + reason; return false;
    case RegularFileRead::kRejected: *error = path + ": web config file " + reason; return false;
  }
  const auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "" : (slash == 0 ? "/" : path.substr(0, slash));
  return ParseWebConfig(text, path, dir, out, error);
}

}  // namespace proctree
